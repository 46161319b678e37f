import { z } from 'zod';
import { apiComponents } from './api-schemas.js';
import { pathParams, type ApiRoute } from './api-route.js';

export interface OpenApiInfo {
  publicUrl: string;
  version: string;
}

const COMPONENT = (id: string): string => `#/components/schemas/${id}`;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input: `error.fields` says what is wrong with each field.',
  401: 'No valid session: send `Authorization: Bearer <session token>` from a current launch.',
  403: 'The launch does not allow this (role, anonymous launch, locked thread, not the author…).',
  404: 'No such space, thread or post in the course of this launch (ids from other courses included).',
  409: 'The post or thread is not in a state that allows this (deleted, hidden, not a question…).',
  413: 'Too large: the JSON body is over 160 kB, or a text over its limit (`error.fields`).',
  415: 'The body is not JSON.',
  429: 'Too many writes of this kind for now: `Retry-After` says in how many seconds to send it again.',
};

type Json = Record<string, unknown>;

/** Whether a schema's input may be left out (optional, defaulted), seen through pipes and preprocessing. */
function acceptsMissing(s: z.ZodType): boolean {
  const def = (s as unknown as { _zod: { def: { type: string; in?: z.ZodType; out?: z.ZodType } } })._zod.def;
  if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault') return true;
  if (def.type === 'pipe') return isTransform(def.in!) ? acceptsMissing(def.out!) : acceptsMissing(def.in!);
  return false;
}

const isTransform = (s: z.ZodType): boolean => (s as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'transform';

/** The JSON Schema of what a pipe accepts: its input side, narrowed by its output side's rules. */
function describePipe(def: { in: z.ZodType; out: z.ZodType }): Json {
  const input = isTransform(def.in) ? {} : toSchema(def.in, 'input');
  if (isTransform(def.out)) return input;
  return { ...input, ...toSchema(def.out, 'input') };
}

/**
 * For request bodies (io: input) zod describes a pipe by its input side, which for the discussion
 * schemas is a normalising preprocess (CRLF, control characters) and so says only "string": the
 * rules that decide (lengths) are on the output side. Describe a pipe by both sides, and mark
 * required whatever cannot be left out, so the document says what validation enforces, from the
 * very schemas that enforce it.
 */
function inputOverride(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const def = (ctx.zodSchema as { _zod: { def: { type: string; in?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def;
  if (def.type === 'pipe') {
    const described = describePipe({ in: def.in!, out: def.out! });
    for (const k of Object.keys(ctx.jsonSchema)) if (k !== 'default' && k !== 'description') delete ctx.jsonSchema[k];
    Object.assign(ctx.jsonSchema, described);
  }
  if (def.type === 'object' && def.shape) {
    const required = Object.entries(def.shape)
      .filter(([, v]) => !acceptsMissing(v))
      .map(([k]) => k);
    if (required.length) ctx.jsonSchema.required = required;
    else delete ctx.jsonSchema.required;
  }
}

function toSchema(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any', ...(io === 'input' ? { override: inputOverride } : {}) }) as Json;
  delete out.$schema;
  return out;
}

/** `components.schemas` from a registry, with `$ref`s between them pointing into the components. */
function componentsOf(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Record<string, Json> {
  const { schemas } = z.toJSONSchema(registry, { io, uri: COMPONENT, unrepresentable: 'any', ...(io === 'input' ? { override: inputOverride } : {}) }) as { schemas: Record<string, Json> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The OpenAPI 3.1 document for `routes`, all of it generated from their definitions. */
export function buildOpenApiDocument(routes: ApiRoute[], info: OpenApiInfo, base: string): Json {
  // Response shapes are named in api-schemas.ts; one without a name gets its operation's.
  const outputs = z.registry<{ id: string }>();
  for (const [id, schema] of apiComponents) outputs.add(schema, { id });
  const inputs = z.registry<{ id: string }>();
  const responseId = new Map<ApiRoute, string>();
  for (const r of routes) {
    const known = outputs.get(r.response)?.id;
    if (!known) outputs.add(r.response, { id: `${capitalise(r.operationId)}Response` });
    responseId.set(r, outputs.get(r.response)!.id);
    if (r.body) inputs.add(r.body, { id: `${capitalise(r.operationId)}Body` });
  }

  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const parameters: Json[] = pathParams(r.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const shape = (r.query as unknown as { shape: Record<string, z.ZodType> }).shape;
      for (const [name, field] of Object.entries(shape)) {
        const schema = toSchema(field, 'input');
        parameters.push({ name, in: 'query', required: !acceptsMissing(field), ...(schema.description ? { description: schema.description } : {}), schema });
      }
    }
    const errors = [...(r.auth === false ? [] : [401]), ...r.errors].sort((a, b) => a - b);
    const responses: Record<string, Json> = {
      [String(r.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: { $ref: COMPONENT(responseId.get(r)!) } } } },
    };
    for (const status of errors) responses[String(status)] = { description: STATUS_TEXT[status] ?? 'Refused', content: { 'application/json': { schema: { $ref: COMPONENT('Error') } } } };
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(r.auth === false ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: COMPONENT(inputs.get(r.body)!.id) } } } } } : {}),
      responses,
    };
    (paths[r.path] ??= {})[r.method] = op;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Threadline API',
      version: info.version,
      description: [
        'The operations of the Threadline pages, as JSON, with the same rules: what a launch may see and do in its course.',
        '',
        'Authentication: `Authorization: Bearer <session token>`, the token of an LTI launch session (the `session` parameter of the pages a launch opens). The API accepts it in that header only, never as `?session=` or a body field. Because nothing a browser sends by itself (a cookie, a URL it did not write) authenticates a call, another site cannot make a browser call the API on a user\'s behalf, so state-changing calls need no CSRF token.',
        '',
        'Errors are JSON: `{ "error": { "code", "message", "fix"?, "fields"? } }`. Ids from another course, deployment or platform answer 404, as unknown ids do. Times are ISO 8601 in UTC.',
      ].join('\n'),
    },
    servers: [{ url: `${info.publicUrl}${base}` }],
    components: {
      securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'The session token of an LTI launch.' } },
      schemas: { ...componentsOf(outputs, 'output'), ...componentsOf(inputs, 'input') },
    },
    security: [{ session: [] }],
    paths,
  };
}
