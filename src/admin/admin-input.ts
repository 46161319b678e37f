import { z } from 'zod';
import { platformUrlProblem } from '../lti/registration-service.js';
import { isReservedLrsName, LRS_NAME, lrsEndpointProblem, lrsUsernameProblem } from '../xapi/lrs-target-rules.js';

/**
 * The admin forms, validated at the edge. Error messages are catalogue keys (`admin:field.*`), so
 * the page shows them in the reader's language next to the field. What was typed comes back to
 * the form, except passwords.
 */

export type FieldErrors = Record<string, string>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

const text = (max: number) => z.string().trim().max(max, 'admin:field.tooLong');
const platformUrl = (max = 1024) =>
  text(max)
    .min(1, 'admin:field.required')
    .refine((v) => platformUrlProblem(v) === null, 'admin:field.badPlatformUrl');

const platformSchema = z.object({
  issuer: platformUrl(512).refine((v) => !URL.canParse(v) || (!new URL(v).search && !new URL(v).hash), 'admin:field.issuerQuery'),
  client_id: text(255).min(1, 'admin:field.required'),
  name: text(255).default(''),
  auth_url: platformUrl(),
  token_url: platformUrl(),
  jwks_url: platformUrl(),
  token_audience: text(1024).default(''),
  deployment_id: text(255).default(''),
});
export type PlatformInput = z.infer<typeof platformSchema>;

const deploymentSchema = z.object({ deployment_id: text(255).min(1, 'admin:field.required') });

const lrsSchema = z
  .object({
    name: z
      .string()
      .trim()
      .regex(LRS_NAME, 'admin:field.lrsName')
      .refine((v) => !isReservedLrsName(v), 'admin:field.lrsReserved'),
    endpoint: text(1024)
      .min(1, 'admin:field.required')
      .refine((v) => lrsEndpointProblem(v) === null, 'admin:field.lrsEndpoint'),
    username: text(255).default('').refine((v) => !lrsUsernameProblem(v), 'admin:field.lrsUsername'),
    // Not trimmed: a password is what it is.
    password: z.string().max(1024, 'admin:field.tooLong').default(''),
    platform_id: z.string().max(36).default(''),
  })
  .superRefine((v, ctx) => {
    // Basic auth needs both (RFC 7617), or neither.
    if (v.username && !v.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'admin:field.lrsPasswordNeeded' });
    if (v.password && !v.username) ctx.addIssue({ code: 'custom', path: ['username'], message: 'admin:field.lrsUsernameNeeded' });
  });
export type LrsInput = z.infer<typeof lrsSchema>;

function parseWith<T>(schema: z.ZodType<T>, body: unknown, secret: string[] = []): Parsed<T> {
  const src = (body ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(src)) if (typeof v === 'string' && !secret.includes(k) && k !== '_csrf' && k !== 'session') values[k] = v;
  // Only strings reach the schema: a repeated field (an array) reads as missing.
  const clean = Object.fromEntries(Object.entries(src).filter(([, v]) => typeof v === 'string'));
  const r = schema.safeParse(clean);
  if (r.success) return { ok: true, value: r.data };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const f = String(issue.path[0] ?? 'form');
    errors[f] ??= issue.message.startsWith('admin:') ? issue.message : 'admin:field.invalid';
  }
  return { ok: false, errors, values };
}

export const parsePlatform = (body: unknown) => parseWith(platformSchema, body);
export const parseDeployment = (body: unknown) => parseWith(deploymentSchema, body);
export const parseLrs = (body: unknown) => parseWith(lrsSchema, body, ['password']);

/** The refused-launches filter; anything unexpected in the query is ignored rather than refused. */
export function parseRefusalFilter(q: Record<string, unknown>): { platformId?: string; reason?: string } {
  const str = (v: unknown, re: RegExp) => (typeof v === 'string' && re.test(v) ? v : undefined);
  return { platformId: str(q.platform, /^[0-9a-f-]{36}$/), reason: str(q.reason, /^[a-z_]{1,64}$/) };
}

export const statusSchema = z.enum(['active', 'disabled']);
export function parseStatus(body: unknown): 'active' | 'disabled' | null {
  const r = statusSchema.safeParse((body as Record<string, unknown> | undefined)?.status);
  return r.success ? r.data : null;
}
