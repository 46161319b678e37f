import { z } from 'zod';
import { rateLimitsFrom, type RateLimits } from './curation/rate-limits.js';

/**
 * Environment → typed, validated, frozen configuration.
 * Fails fast with one message listing every bad variable, so an admin can fix them all at once.
 */
export interface Config {
  readonly port: number;
  /** External base URL without trailing slash, e.g. https://threadline.example.edu */
  readonly publicUrl: string;
  readonly databaseUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seconds a launch session stays valid after its last use. */
  readonly sessionIdleSeconds: number;
  /** Clock skew tolerated on id_token exp/iat (LTI Security §5.1.3 allows "a small leeway"). */
  readonly clockSkewSeconds: number;
  /** Express `trust proxy` setting, for deployments behind a TLS-terminating proxy. */
  readonly trustProxy: boolean | number | string;
  readonly xapi: XapiConfig;
  /** Per-user write rate limits (RATE_* variables; see curation/rate-limits.ts). */
  readonly rateLimits: RateLimits;
  /** Operations: /metrics, shutdown, the Dynamic Registration limit (ops/). */
  readonly ops: OpsConfig;
  readonly privacy: PrivacyConfig;
}

export interface OpsConfig {
  /** METRICS_TOKEN, the bearer token /metrics asks for; null: /metrics is off. Not enumerable. */
  readonly metricsToken: string | null;
  /** After SIGTERM, how long in-flight work may take before the process exits non-zero. */
  readonly shutdownTimeoutMs: number;
  /** GET /lti/register attempts per client IP per hour (per instance). */
  readonly registerPerHour: number;
}

export interface PrivacyConfig {
  /** Days a delivered xAPI outbox row is kept (the `npm run xapi -- replay` window) before the retention job prunes it. */
  readonly outboxKeepDays: number;
}

export interface XapiConfig {
  /** The external LRS statements are delivered to; null sends them only to the embedded LRS. */
  readonly lrs: LrsConfig | null;
  /** Statements per POST to the LRS. */
  readonly batchSize: number;
  /** Put learners' display names in `actor.name` (off: the LTI account alone identifies them). */
  readonly actorNames: boolean;
  /**
   * Basic-auth credentials of the embedded LRS ({PUBLIC_URL}/xapi/) from EMBEDDED_LRS_KEY /
   * EMBEDDED_LRS_SECRET; null: generated on first start and kept in the database.
   */
  readonly embeddedLrs: LrsCredentials | null;
}

export interface LrsCredentials {
  readonly key: string;
  /** Not enumerable, so it never appears when the config is logged, inspected or serialised. */
  readonly secret: string;
}

export interface LrsConfig {
  readonly endpoint: string;
  readonly username: string | null;
  /** Not enumerable, so it never appears when the config is logged, inspected or serialised. */
  readonly password: string | null;
}

const boolOrHops = z
  .string()
  .transform((v): boolean | number | string => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (/^\d+$/.test(v)) return Number(v);
    return v;
  });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL such as https://threadline.example.edu' })
    .optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || !v.includes('://'), {
      message: 'must be postgres://…, sqlite:<path>, or a file path',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).default(8 * 3600),
  CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  TRUST_PROXY: boolOrHops.default(false),
  XAPI_LRS_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be the LRS xAPI endpoint as an absolute http(s) URL, such as https://lrs.example.org/xapi/' })
    .refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), { message: 'must not contain credentials; use XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD' })
    .optional(),
  XAPI_LRS_USERNAME: z.string().optional(),
  // Never echoed: zod's messages for this field do not include the value.
  XAPI_LRS_PASSWORD: z.string().optional(),
  XAPI_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  XAPI_ACTOR_NAMES: z.enum(['true', 'false']).default('false'),
  EMBEDDED_LRS_KEY: z.string().regex(/^[^:\s]+$/, { message: 'must not contain a colon or whitespace' }).optional(),
  // Never echoed: zod's messages for this field do not include the value.
  EMBEDDED_LRS_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  // Never echoed: zod's messages for this field do not include the value.
  METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).regex(/^\S+$/, { message: 'must not contain whitespace' }).optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  REGISTER_RATE_PER_HOUR: z.coerce.number().int().min(1).default(20),
  PRIVACY_OUTBOX_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": docker-compose and systemd often pass VAR= for absent values.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const v = parsed.data;
  let rateLimits: RateLimits;
  try {
    rateLimits = rateLimitsFrom(cleaned);
  } catch (e) {
    throw new ConfigError((e as z.ZodError).issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  if (!v.XAPI_LRS_ENDPOINT && (v.XAPI_LRS_USERNAME !== undefined || v.XAPI_LRS_PASSWORD !== undefined)) {
    throw new ConfigError(['XAPI_LRS_ENDPOINT: must be set when XAPI_LRS_USERNAME or XAPI_LRS_PASSWORD is']);
  }
  if ((v.XAPI_LRS_USERNAME === undefined) !== (v.XAPI_LRS_PASSWORD === undefined)) {
    throw new ConfigError(['XAPI_LRS_USERNAME / XAPI_LRS_PASSWORD: set both or neither']);
  }
  if ((v.EMBEDDED_LRS_KEY === undefined) !== (v.EMBEDDED_LRS_SECRET === undefined)) {
    throw new ConfigError(['EMBEDDED_LRS_KEY / EMBEDDED_LRS_SECRET: set both or neither']);
  }
  const publicUrl = (v.PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, '');
  if (new URL(publicUrl).search || new URL(publicUrl).hash) {
    throw new ConfigError(['PUBLIC_URL: must not contain a query or fragment']);
  }
  return Object.freeze({
    port: v.PORT,
    publicUrl,
    databaseUrl: v.DATABASE_URL ?? 'sqlite:./data/threadline.sqlite',
    logLevel: v.LOG_LEVEL,
    sessionIdleSeconds: v.SESSION_IDLE_SECONDS,
    clockSkewSeconds: v.CLOCK_SKEW_SECONDS,
    trustProxy: v.TRUST_PROXY,
    rateLimits,
    ops: opsConfig(v.METRICS_TOKEN ?? null, v.SHUTDOWN_TIMEOUT_MS, v.REGISTER_RATE_PER_HOUR),
    xapi: Object.freeze({
      lrs: v.XAPI_LRS_ENDPOINT ? lrsConfig(v.XAPI_LRS_ENDPOINT, v.XAPI_LRS_USERNAME ?? null, v.XAPI_LRS_PASSWORD ?? null) : null,
      batchSize: v.XAPI_BATCH_SIZE,
      actorNames: v.XAPI_ACTOR_NAMES === 'true',
      embeddedLrs: v.EMBEDDED_LRS_KEY !== undefined && v.EMBEDDED_LRS_SECRET !== undefined ? lrsCredentials(v.EMBEDDED_LRS_KEY, v.EMBEDDED_LRS_SECRET) : null,
    }),
    privacy: Object.freeze({ outboxKeepDays: v.PRIVACY_OUTBOX_KEEP_DAYS }),
  });
}

function lrsConfig(endpoint: string, username: string | null, password: string | null): LrsConfig {
  const lrs = { endpoint, username } as { endpoint: string; username: string | null; password: string | null };
  Object.defineProperty(lrs, 'password', { value: password, enumerable: false });
  return Object.freeze(lrs);
}

function lrsCredentials(key: string, secret: string): LrsCredentials {
  const c = { key } as { key: string; secret: string };
  Object.defineProperty(c, 'secret', { value: secret, enumerable: false });
  return Object.freeze(c);
}

function opsConfig(metricsToken: string | null, shutdownTimeoutMs: number, registerPerHour: number): OpsConfig {
  const c = { shutdownTimeoutMs, registerPerHour } as { metricsToken: string | null; shutdownTimeoutMs: number; registerPerHour: number };
  Object.defineProperty(c, 'metricsToken', { value: metricsToken, enumerable: false });
  return Object.freeze(c);
}
