import { agentKey } from './ifi.js';
import { badRequest } from './lrs-errors.js';

/** Query parameters as express parsed them. */
export type Q = Record<string, unknown>;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IRI_RE = /^[a-z][a-z0-9+.-]*:[^\s]+$/i;

/**
 * xAPI 1.0.3 Communication §3.2: a parameter the resource does not know — including a known one
 * in another case (`StatementId`) — is answered with 400.
 */
export function onlyParams(q: Q, allowed: readonly string[]): void {
  for (const k of Object.keys(q)) if (!allowed.includes(k)) throw badRequest(`Unknown parameter ${k}; this resource takes ${allowed.join(', ') || 'none'}.`);
}

export function str(q: Q, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Give ${name} once.`);
  return v;
}

export function required(q: Q, name: string): string {
  const v = str(q, name);
  if (v === undefined || v === '') throw badRequest(`The ${name} parameter is required.`);
  return v;
}

export function bool(q: Q, name: string): boolean {
  const v = str(q, name);
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`${name} must be true or false.`);
}

export function time(q: Q, name: string): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  // ISO 8601 with a time zone (xAPI 1.0.3 Data §4.5).
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw badRequest(`${name} must be an ISO 8601 timestamp with a time zone.`);
  return t;
}

export function iri(q: Q, name: string): string {
  const v = required(q, name);
  if (!IRI_RE.test(v)) throw badRequest(`${name} must be an IRI.`);
  return v;
}

export function uuidParam(q: Q, name: string): string | undefined {
  const v = str(q, name);
  if (v !== undefined && !UUID_RE.test(v)) throw badRequest(`${name} must be a UUID.`);
  return v?.toLowerCase();
}

/**
 * An `agent` parameter (xAPI 1.0.3 Communication §2.3, §2.4, §2.6): a JSON Agent with exactly one
 * inverse functional identifier of the right form (Data §2.4.2.3). Returns the agent and its key.
 */
export function agentParam(q: Q, name = 'agent'): { agent: Json; key: string } {
  const raw = required(q, name);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw badRequest(`${name} must be a JSON Agent.`);
  }
  if (!isObj(v)) throw badRequest(`${name} must be a JSON Agent.`);
  if (v.objectType !== undefined && v.objectType !== 'Agent') throw badRequest(`${name} must be an Agent (objectType Agent).`);
  const ifis = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter((k) => v[k] !== undefined);
  if (ifis.length !== 1) throw badRequest(`${name} must carry exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account).`);
  const bad = (what: string) => badRequest(`${name}: ${what}.`);
  if (v.mbox !== undefined && (typeof v.mbox !== 'string' || !/^mailto:[^@\s]+@[^@\s]+$/i.test(v.mbox))) throw bad('mbox must be a mailto: IRI');
  if (v.mbox_sha1sum !== undefined && (typeof v.mbox_sha1sum !== 'string' || !/^[0-9a-f]{40}$/i.test(v.mbox_sha1sum))) throw bad('mbox_sha1sum must be a SHA-1 hex digest');
  if (v.openid !== undefined && (typeof v.openid !== 'string' || !IRI_RE.test(v.openid))) throw bad('openid must be an IRI');
  if (v.account !== undefined) {
    const a = v.account;
    if (!isObj(a) || typeof a.homePage !== 'string' || !IRI_RE.test(a.homePage) || typeof a.name !== 'string') throw bad('account needs homePage (an IRL) and name');
  }
  if (v.name !== undefined && typeof v.name !== 'string') throw bad('name must be a string');
  return { agent: v, key: agentKey(v)! };
}
