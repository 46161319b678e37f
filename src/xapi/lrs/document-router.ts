import { Router, type Request, type RequestHandler, type Response } from 'express';
import { personOf } from './activity-definition.js';
import type { DocumentScope, LrsDocument } from './document-store.js';
import type { LrsDocumentService, Preconditions } from './document-service.js';
import { badRequest, LrsError } from './lrs-errors.js';
import { agentParam, iri, onlyParams, required, str, time, uuidParam, type Q } from './lrs-params.js';
import type { EmbeddedLrsService } from './lrs-service.js';

export interface DocumentRouterDeps {
  lrs: EmbeddedLrsService;
  documents: LrsDocumentService;
  /** Reads the request body into req.body as a Buffer (honouring the alternate request syntax). */
  rawBody: RequestHandler;
}

/** One document resource: how its scope and document id are read from the query. */
interface DocumentResource {
  path: string;
  idParam: 'stateId' | 'profileId';
  params: readonly string[];
  scope(q: Q): DocumentScope;
}

const RESOURCES: DocumentResource[] = [
  {
    // Communication §2.3: activityId + agent (+ registration) scope a learner's state documents.
    path: '/xapi/activities/state',
    idParam: 'stateId',
    params: ['activityId', 'agent', 'registration', 'stateId', 'since'],
    scope: (q) => ({ kind: 'state', activityId: iri(q, 'activityId'), agentKey: agentParam(q).key, registration: uuidParam(q, 'registration') ?? null }),
  },
  {
    // Communication §2.7.
    path: '/xapi/activities/profile',
    idParam: 'profileId',
    params: ['activityId', 'profileId', 'since'],
    scope: (q) => ({ kind: 'activity_profile', activityId: iri(q, 'activityId'), agentKey: null, registration: null }),
  },
  {
    // Communication §2.6.
    path: '/xapi/agents/profile',
    idParam: 'profileId',
    params: ['agent', 'profileId', 'since'],
    scope: (q) => ({ kind: 'agent_profile', activityId: null, agentKey: agentParam(q).key, registration: null }),
  },
];

function preconditions(req: Request): Preconditions {
  return { ifMatch: req.get('If-Match') ?? undefined, ifNoneMatch: req.get('If-None-Match') ?? undefined };
}

/** Communication §3.1: the ETag (quoted SHA-1 hex) of every document answer; Last-Modified too. */
function documentHeaders(res: Response, doc: LrsDocument): Response {
  return res.set('ETag', `"${doc.etag}"`).set('Last-Modified', new Date(doc.updated).toUTCString());
}

function bodyOf(req: Request): { content: Buffer; contentType: string } {
  const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  return { content, contentType: req.get('Content-Type') ?? 'application/octet-stream' };
}

/**
 * The document resources (State §2.3, Agent Profile §2.6, Activity Profile §2.7) and the
 * Activities (§2.5) and Agents (§2.4) resources of the embedded LRS. Authentication, the version
 * header and the alternate request syntax are handled before these routes.
 */
export function documentRouter(deps: DocumentRouterDeps): Router {
  const r = Router();
  const { documents } = deps;

  for (const res of RESOURCES) {
    const read = (q: Q) => {
      onlyParams(q, res.params);
      return { scope: res.scope(q), id: str(q, res.idParam) };
    };

    r.get(res.path, async (req, out) => {
      const q = req.query as Q;
      const { scope, id } = read(q);
      if (id === undefined) {
        // Without an id: the ids of the scope's documents, changed after `since` (exclusive).
        out.json(await documents.ids(scope, time(q, 'since')));
        return;
      }
      if (q.since !== undefined) throw badRequest(`since applies only to a GET without ${res.idParam}.`);
      const doc = await documents.get(scope, id);
      if (!doc) throw new LrsError(404, 'xapi_not_found', 'No such document.');
      documentHeaders(out, doc).type(doc.contentType).send(doc.content);
    });

    r.put(res.path, deps.rawBody, async (req, out) => {
      const q = req.query as Q;
      const { scope } = read(q);
      const id = required(q, res.idParam);
      const doc = await documents.put(scope, id, bodyOf(req), preconditions(req));
      documentHeaders(out, doc).status(204).end();
    });

    r.post(res.path, deps.rawBody, async (req, out) => {
      const q = req.query as Q;
      const { scope } = read(q);
      const id = required(q, res.idParam);
      const doc = await documents.post(scope, id, bodyOf(req), preconditions(req));
      documentHeaders(out, doc).status(204).end();
    });

    r.delete(res.path, async (req, out) => {
      const q = req.query as Q;
      const { scope, id } = read(q);
      if (q.since !== undefined) throw badRequest('since applies only to GET.');
      if (id !== undefined) await documents.remove(scope, id, preconditions(req));
      // §2.3: a State DELETE without stateId deletes every document of the scope; the profile
      // resources (§2.6, §2.7) require the profileId.
      else if (res.idParam === 'stateId') await documents.removeAll(scope);
      else throw badRequest(`The ${res.idParam} parameter is required.`);
      out.status(204).end();
    });
  }

  // §2.5: the canonical definition of an Activity, or just its id when no statement defines it.
  r.get('/xapi/activities', async (req, res) => {
    const q = req.query as Q;
    onlyParams(q, ['activityId']);
    res.json(await deps.lrs.activity(iri(q, 'activityId')));
  });

  // §2.4: a Person object for an Agent.
  r.get('/xapi/agents', (req, res) => {
    const q = req.query as Q;
    onlyParams(q, ['agent']);
    res.json(personOf(agentParam(q).agent));
  });

  return r;
}
