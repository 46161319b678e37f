import { z } from 'zod';
import { parseJson, safeHost } from '../http-client.js';
import { UpstreamError } from '../web/errors.js';
import { SCOPES } from './claims.js';
import { findLink, PageWalker } from './link-header.js';
import type { Platform } from './platform-store.js';
import { checkStatus, type ServiceTokens } from './service-token.js';

/** NRPS 2.0 (membership container): the media type we ask for. */
export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

const DEFAULT_MAX_PAGES = 200;

export type MemberStatus = 'Active' | 'Inactive' | 'Deleted';

/** One member of a context (NRPS 2.0 membership container; personal fields are present only when the platform shares them). */
export interface NrpsMember {
  userId: string;
  status: MemberStatus;
  roles: string[];
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  picture: string | null;
  lisPersonSourcedId: string | null;
}

export interface NrpsContext {
  id: string;
  label: string | null;
  title: string | null;
}

export interface Membership {
  context: NrpsContext | null;
  /** Every member once, in the platform's order (the first occurrence wins when pages overlap). */
  members: NrpsMember[];
  /** NRPS 2.0 (membership differences): where to ask later for changes only, when the platform offers it. */
  differencesUrl: string | null;
  pages: number;
  /** Members the platform sent without a usable user_id; skipped rather than failing the roster. */
  skipped: number;
}

export interface MembershipQuery {
  /** NRPS 2.0 (role query parameter): only members with this role (full URI or simple name). */
  role?: string;
  /** A page size hint; the platform may use another. */
  limit?: number;
  /** NRPS 2.0 (resource link membership, `rlid`): the members who can access this resource link (platform resource_link.id). */
  rlid?: string;
  /** Stop with an error after this many pages (a roster is finite; a runaway is a bug). */
  maxPages?: number;
}

export interface NrpsClient {
  /** Reads the whole membership of the context behind `contextMembershipsUrl` (the launch's NRPS claim). */
  members(platform: Platform, contextMembershipsUrl: string, query?: MembershipQuery): Promise<Membership>;
}

const optStr = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));

const memberSchema = z.object({
  user_id: z.union([z.string().min(1), z.number().transform(String)]),
  // NRPS 2.0: status is "Active" when absent. Unknown values are treated as Active too rather than dropping the member.
  status: z.enum(['Active', 'Inactive', 'Deleted']).catch('Active').default('Active'),
  roles: z.array(z.string()).catch([]).default([]),
  name: optStr.catch(null),
  given_name: optStr.catch(null),
  family_name: optStr.catch(null),
  email: optStr.catch(null),
  picture: optStr.catch(null),
  lis_person_sourcedid: optStr.catch(null),
});

const containerSchema = z.object({
  context: z
    .object({ id: z.union([z.string(), z.number().transform(String)]), label: optStr.catch(null), title: optStr.catch(null) })
    .nullish()
    .catch(null),
  members: z.array(z.unknown()),
});

/**
 * Names and Role Provisioning Services 2.0 client: GETs the membership container with the NRPS
 * media type, then follows `Link: <…>; rel="next"` (NRPS 2.0 limit query parameter / paging) until the last page.
 */
export function createNrpsClient(tokens: ServiceTokens): NrpsClient {
  return {
    async members(platform, contextMembershipsUrl, query = {}) {
      const first = new URL(contextMembershipsUrl);
      if (query.role) first.searchParams.set('role', query.role);
      if (query.limit) first.searchParams.set('limit', String(query.limit));
      if (query.rlid) first.searchParams.set('rlid', query.rlid);
      const what = `The member list from ${safeHost(contextMembershipsUrl)}`;
      const walker = new PageWalker(first.toString(), what, query.maxPages ?? DEFAULT_MAX_PAGES);

      const seen = new Set<string>();
      const members: NrpsMember[] = [];
      let context: NrpsContext | null = null;
      let differencesUrl: string | null = null;
      let skipped = 0;
      for (let url: string | null = first.toString(); url; ) {
        walker.count();
        const res = await tokens.call(platform, [SCOPES.nrps], url, { headers: { accept: NRPS_MEDIA_TYPE } });
        checkStatus(res, what);
        const body = containerSchema.safeParse(parseJson(res, what));
        if (!body.success) throw new UpstreamError('nrps_bad_response', `${what} is not a membership container (NRPS 2.0).`);
        if (!context && body.data.context) context = { id: body.data.context.id, label: body.data.context.label, title: body.data.context.title };
        for (const raw of body.data.members) {
          const m = memberSchema.safeParse(raw);
          if (!m.success) {
            skipped++;
            continue;
          }
          // A member can move between pages while we read (roster changed): count each once.
          if (seen.has(m.data.user_id)) continue;
          seen.add(m.data.user_id);
          members.push({
            userId: m.data.user_id,
            status: m.data.status,
            roles: m.data.roles,
            name: m.data.name,
            givenName: m.data.given_name,
            familyName: m.data.family_name,
            email: m.data.email,
            picture: m.data.picture,
            lisPersonSourcedId: m.data.lis_person_sourcedid,
          });
        }
        const link = res.headers.get('link');
        differencesUrl = findLink(link, 'differences', url) ?? differencesUrl;
        url = walker.next(link, url);
      }
      return { context, members, differencesUrl, pages: walker.pages, skipped };
    },
  };
}
