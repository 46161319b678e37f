import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseJson, safeHost } from '../http-client.js';
import { BadRequestError, ForbiddenError, UpstreamError } from '../web/errors.js';
import { SCOPES } from './claims.js';
import { PageWalker } from './link-header.js';
import type { Platform } from './platform-store.js';
import { checkStatus, type ServiceTokens } from './service-token.js';

/** AGS 2.0 §3.2 (line item service) and §3.4 (score publish service): media types. */
export const LINEITEM_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
export const LINEITEM_CONTAINER_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';

const MAX_LINEITEM_PAGES = 50;

/** The AGS claim of a launch (AGS 2.0 §3.1): what the platform granted and where its line items live. */
export interface AgsEndpoint {
  scope: readonly string[];
  lineItems?: string | null;
  lineItem?: string | null;
}

export interface LineItemSpec {
  label: string;
  scoreMaximum: number;
  tag?: string;
  resourceId?: string;
}

/** AGS 2.0 §3.2: a line item as the platform describes it. */
export interface LineItem {
  /** Its URL. */
  id: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId: string | null;
  resourceId: string | null;
  tag: string | null;
}

export interface LineItemRef {
  /** The line item URL, to post scores to. */
  url: string;
  /** `launch`: the launch named it (AGS 2.0 §3.1 `lineitem`; we may have no right to read it); `found` or `created` by us. */
  source: 'launch' | 'found' | 'created';
  lineItem: LineItem | null;
}

export const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'] as const;
export const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'] as const;

/** AGS 2.0 §3.4: one score for one user. */
export interface Score {
  /** The user's LTI id (the launch's `sub`). */
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  activityProgress: (typeof ACTIVITY_PROGRESS)[number];
  gradingProgress: (typeof GRADING_PROGRESS)[number];
  /** When the score was set, epoch ms; now when absent. */
  timestamp?: number;
  comment?: string;
}

export interface AgsClient {
  findOrCreateLineItem(platform: Platform, ags: AgsEndpoint, resourceLinkId: string, spec: LineItemSpec): Promise<LineItemRef>;
  /** Posts a score; pass the launch's AGS claim to check the score scope was granted first. */
  postScore(platform: Platform, lineItemUrl: string, score: Score, ags?: Pick<AgsEndpoint, 'scope'>): Promise<void>;
}

const optStr = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((v) => (v ? v : null))
  .catch(null);

const lineItemSchema = z.object({
  id: z.string().min(1),
  label: z.string().catch(''),
  scoreMaximum: z.coerce.number().catch(0),
  resourceLinkId: optStr,
  resourceId: optStr,
  tag: optStr,
});

const toLineItem = (raw: unknown): LineItem | null => {
  const r = lineItemSchema.safeParse(raw);
  return r.success ? r.data : null;
};

/** AGS 2.0 §3.4: the score endpoint is the line item URL with /scores appended to its path (before any query). */
export function scoresUrl(lineItemUrl: string): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/scores`;
  u.hash = '';
  return u.toString();
}

/** The first of `wanted` the platform granted, or a clear error naming what is missing. */
export function requireScope(ags: Pick<AgsEndpoint, 'scope'>, wanted: readonly string[], action: string): string {
  const granted = wanted.find((s) => ags.scope.includes(s));
  if (granted) return granted;
  throw new ForbiddenError(
    'ags_scope_missing',
    `The platform did not grant Threadline the right to ${action} (needs ${wanted.join(' or ')}).`,
    'Ask the LMS administrator to enable Assignment and Grade Services for Threadline, then launch again.',
  );
}

/**
 * Assignment and Grade Services 2.0 client: finds or creates the line item (gradebook column) of
 * a resource link and posts scores to it.
 */
export function createAgsClient(tokens: ServiceTokens, clock: Clock): AgsClient {
  // Two launches of the same link at once must not create two columns: share the search.
  const inflight = new Map<string, Promise<LineItemRef>>();

  async function listMatching(platform: Platform, lineItemsUrl: string, scope: string, resourceLinkId: string, spec: LineItemSpec): Promise<LineItem | null> {
    // AGS 2.0 §3.2 container filters: resource_link_id, resource_id and tag. Some platforms ignore them,
    // so the answer is filtered again here.
    const first = new URL(lineItemsUrl);
    first.searchParams.set('resource_link_id', resourceLinkId);
    if (spec.tag) first.searchParams.set('tag', spec.tag);
    if (spec.resourceId) first.searchParams.set('resource_id', spec.resourceId);
    const what = `The line items from ${safeHost(lineItemsUrl)}`;
    const walker = new PageWalker(first.toString(), what, MAX_LINEITEM_PAGES);
    for (let url: string | null = first.toString(); url; ) {
      walker.count();
      const res = await tokens.call(platform, [scope], url, { headers: { accept: LINEITEM_CONTAINER_MEDIA_TYPE } });
      checkStatus(res, what);
      const body = parseJson(res, what);
      if (!Array.isArray(body)) throw new UpstreamError('ags_bad_response', `${what} is not a line item container (AGS 2.0).`);
      const match = body
        .map(toLineItem)
        .find((li) => li !== null && li.resourceLinkId === resourceLinkId && (!spec.tag || li.tag === spec.tag) && (!spec.resourceId || li.resourceId === spec.resourceId));
      if (match) return match;
      url = walker.next(res.headers.get('link'), url);
    }
    return null;
  }

  async function create(platform: Platform, lineItemsUrl: string, resourceLinkId: string, spec: LineItemSpec): Promise<LineItem> {
    const what = `Creating a line item on ${safeHost(lineItemsUrl)}`;
    const body: Record<string, string | number> = { label: spec.label, scoreMaximum: spec.scoreMaximum, resourceLinkId };
    if (spec.tag) body.tag = spec.tag;
    if (spec.resourceId) body.resourceId = spec.resourceId;
    // AGS 2.0 §3.2: POST the new line item to the container URL; the answer carries its id.
    const res = await tokens.call(platform, [SCOPES.lineItem], lineItemsUrl, {
      method: 'POST',
      headers: { 'content-type': LINEITEM_MEDIA_TYPE, accept: LINEITEM_MEDIA_TYPE },
      body: JSON.stringify(body),
    });
    checkStatus(res, what);
    const created = toLineItem(res.text ? parseJson(res, what) : {});
    if (!created) throw new UpstreamError('ags_bad_response', `${what}: the platform did not say where the new line item is.`);
    return created;
  }

  return {
    async findOrCreateLineItem(platform, ags, resourceLinkId, spec) {
      // AGS 2.0 §3.1: a launch naming one `lineitem` is the coupled case; use it as it is.
      if (ags.lineItem) return { url: ags.lineItem, source: 'launch', lineItem: null };
      const lineItemsUrl = ags.lineItems;
      if (!lineItemsUrl) {
        throw new ForbiddenError('ags_unavailable', 'The platform did not give Threadline a gradebook (no line items URL in the launch).', 'Ask the LMS administrator to enable Assignment and Grade Services for Threadline.');
      }
      if (!(spec.scoreMaximum > 0) || !Number.isFinite(spec.scoreMaximum)) throw new BadRequestError('ags_bad_lineitem', 'scoreMaximum must be a number above 0.');
      if (!spec.label.trim()) throw new BadRequestError('ags_bad_lineitem', 'A line item needs a label.');
      const readScope = requireScope(ags, [SCOPES.lineItem, SCOPES.lineItemReadonly], 'read its gradebook columns');
      const key = [platform.id, lineItemsUrl, resourceLinkId, spec.tag ?? '', spec.resourceId ?? ''].join('\n');
      const running = inflight.get(key);
      if (running) return running;
      const p = (async (): Promise<LineItemRef> => {
        const found = await listMatching(platform, lineItemsUrl, readScope, resourceLinkId, spec);
        if (found) return { url: found.id, source: 'found', lineItem: found };
        requireScope(ags, [SCOPES.lineItem], 'create a gradebook column');
        const created = await create(platform, lineItemsUrl, resourceLinkId, spec);
        return { url: created.id, source: 'created', lineItem: created };
      })().finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },

    async postScore(platform, lineItemUrl, score, ags) {
      if (ags) requireScope(ags, [SCOPES.score], 'send scores');
      if (!score.userId) throw new BadRequestError('ags_bad_score', 'A score needs the userId of the learner.');
      const body: Record<string, string | number> = {
        userId: score.userId,
        activityProgress: score.activityProgress,
        gradingProgress: score.gradingProgress,
        // AGS 2.0 §3.4: timestamp is ISO 8601 with milliseconds; platforms ignore a score older than the last one.
        timestamp: new Date(score.timestamp ?? clock.now()).toISOString(),
      };
      if (score.scoreGiven !== undefined) {
        // AGS 2.0 §3.4: scoreGiven needs a positive scoreMaximum and must not be negative.
        if (!Number.isFinite(score.scoreGiven) || score.scoreGiven < 0) throw new BadRequestError('ags_bad_score', 'scoreGiven must be a number of 0 or more.');
        if (score.scoreMaximum === undefined || !Number.isFinite(score.scoreMaximum) || score.scoreMaximum <= 0) {
          throw new BadRequestError('ags_bad_score', 'scoreGiven needs a scoreMaximum above 0.');
        }
        body.scoreGiven = score.scoreGiven;
        body.scoreMaximum = score.scoreMaximum;
      }
      if (score.comment) body.comment = score.comment;
      const url = scoresUrl(lineItemUrl);
      const res = await tokens.call(platform, [SCOPES.score], url, {
        method: 'POST',
        headers: { 'content-type': SCORE_MEDIA_TYPE },
        body: JSON.stringify(body),
      });
      checkStatus(res, `Sending a score to ${safeHost(url)}`);
    },
  };
}
