import { validate as validateOpenApi } from '@readme/openapi-parser';
import { expect } from 'chai';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { buildOpenApiDocument } from '../../src/api/api-openapi.js';
import { apiRoute, expressPath } from '../../src/api/api-route.js';
import { API_BASE, apiRouter } from '../../src/api/api-router.js';
import { apiRoutes, type ApiServices } from '../../src/api/api-routes.js';

// The document is built from route definitions alone: services are never called here.
const services = {} as ApiServices;
const info = { publicUrl: 'https://threadline.example', version: '1.0.0' };
const noSession: RequestHandler = (_req, _res, next) => next();

type Doc = { paths: Record<string, Record<string, { operationId: string; security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>>; required?: string[] }> } };

/** What express will answer: `METHOD /path` for every route on the router, from its own stack. */
function registered(routes = apiRoutes(services)): string[] {
  const router = apiRouter({ session: noSession, routes, info }) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  return router.stack.flatMap((l) => (l.route ? Object.keys(l.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${l.route!.path}`) : [])).sort();
}

/** The document of that same router, fetched through its own handler. */
async function served(routes = apiRoutes(services)): Promise<Doc> {
  const router = apiRouter({ session: noSession, routes, info });
  return new Promise((resolve, reject) => {
    const res = {
      locals: {},
      statusCode: 200,
      status(c: number) {
        this.statusCode = c;
        return this;
      },
      json: (body: Doc) => resolve(body),
      setHeader() {},
      set() {
        return this;
      },
    };
    const req = { method: 'GET', url: '/openapi.json', path: '/openapi.json', headers: {}, get: () => undefined, query: {} };
    (router as unknown as (req: unknown, res: unknown, next: (e?: unknown) => void) => void)(req, res, (e) => reject(e ?? new Error('not handled')));
  });
}

const documented = (doc: Doc): string[] => Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${expressPath(p)}`)).sort();

describe('JSON API OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (checked by @readme/openapi-parser)', async () => {
    const doc = buildOpenApiDocument(apiRoutes(services), info, API_BASE);
    const result = await validateOpenApi(structuredClone(doc) as never);
    expect(result.valid, JSON.stringify(result)).to.equal(true);
    expect((doc as { openapi: string }).openapi).to.equal('3.1.0');
    // The validator does refuse a broken one (a dangling $ref), so the check above means something.
    const broken = structuredClone(doc) as Doc;
    (broken.paths['/me']!.get!.responses['200'] as { content: Record<string, { schema: unknown }> }).content['application/json']!.schema = { $ref: '#/components/schemas/Nope' };
    expect((await validateOpenApi(broken as never)).valid).to.equal(false);
  });

  it('lists exactly the routes the router answers, and the router serves it at /openapi.json', async () => {
    const doc = await served();
    const routes = registered();
    expect(routes).to.include('GET /openapi.json');
    expect(routes.length).to.be.greaterThan(20);
    expect(documented(doc)).to.deep.equal(routes);
    // Unique operation ids: clients generate method names from them.
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('covers every operation of the pages', () => {
    const routes = registered();
    for (const r of [
      'GET /me',
      'GET /spaces/:id',
      'GET /spaces/:id/threads',
      'POST /spaces/:id/threads',
      'GET /threads/:id',
      'POST /threads/:id/replies',
      'POST /threads/:id/pin',
      'POST /threads/:id/unpin',
      'POST /threads/:id/lock',
      'POST /threads/:id/unlock',
      'GET /posts/:id',
      'PATCH /posts/:id',
      'DELETE /posts/:id',
      'GET /posts/:id/history',
      'POST /posts/:id/hide',
      'POST /posts/:id/restore',
      'PUT /posts/:id/reactions/helpful',
      'DELETE /posts/:id/reactions/helpful',
      'POST /posts/:id/endorse',
      'POST /posts/:id/unendorse',
      'POST /posts/:id/accept',
      'POST /posts/:id/unaccept',
    ])
      expect(routes, r).to.include(r);
  });

  it('follows a newly added route: router and document both get it from one definition', async () => {
    const extra = apiRoute({
      method: 'post',
      path: '/things/{thingId}/frobnicate',
      operationId: 'frobnicate',
      summary: 'A route another feature might add',
      tag: 'things',
      body: z.object({ how: z.enum(['gently', 'firmly']) }),
      response: z.object({ ok: z.boolean() }),
      errors: [400, 404],
      handler: async () => ({ ok: true }),
    });
    const routes = [...apiRoutes(services), extra];
    const doc = await served(routes);
    expect(registered(routes)).to.include('POST /things/:thingId/frobnicate');
    expect(documented(doc)).to.deep.equal(registered(routes));
    const op = doc.paths['/things/{thingId}/frobnicate']!.post!;
    expect(Object.keys(op.responses).sort()).to.deep.equal(['200', '400', '401', '404']);
    expect(doc.components.schemas.FrobnicateBody!.properties!.how!.enum).to.deep.equal(['gently', 'firmly']);
    expect((await validateOpenApi(structuredClone(doc) as never)).valid).to.equal(true);
  });

  it('describes request bodies with the limits the validation enforces', () => {
    const doc = buildOpenApiDocument(apiRoutes(services), info, API_BASE) as unknown as Doc;
    const create = doc.components.schemas.CreateThreadBody!;
    expect(create.required).to.deep.equal(['title', 'body']);
    expect(create.properties!.title).to.include({ type: 'string', minLength: 1, maxLength: 200 });
    expect(create.properties!.body).to.include({ type: 'string', maxLength: 20_000 });
    expect(create.properties!.kind!.enum).to.deep.equal(['discussion', 'question']);
    expect(doc.components.schemas.ReplyToThreadBody!.required).to.deep.equal(['body']);
    expect(doc.components.schemas.EditPostBody!.required).to.deep.equal(['body']);
  });

  it('is public and says how to authenticate; everything else needs the bearer token', async () => {
    const doc = (await served()) as Doc & { security: unknown; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.components.securitySchemes.session).to.deep.equal({ type: 'http', scheme: 'bearer', description: 'The session token of an LTI launch.' });
    expect(doc.security).to.deep.equal([{ session: [] }]);
    expect(doc.paths['/openapi.json']!.get!.security).to.deep.equal([]);
    for (const [p, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) if (p !== '/openapi.json') expect(op.responses, `${m} ${p}`).to.have.property('401');
  });
});
