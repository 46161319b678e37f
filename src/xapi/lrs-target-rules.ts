import { PRIMARY_LRS_ID } from './lrs-routing.js';
import { EMBEDDED_LRS_ID } from './outbox-store.js';

/**
 * What an added LRS target must look like, shared by `npm run lrs` and the admin area so both
 * accept exactly the same targets.
 */

/** 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit. */
export const LRS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Names of the built-in targets, which an added one may not take. */
export const isReservedLrsName = (name: string): boolean => [PRIMARY_LRS_ID, EMBEDDED_LRS_ID].includes(name.toLowerCase());

/** What is wrong with an LRS endpoint, or null. Same rules as XAPI_LRS_ENDPOINT. */
export function lrsEndpointProblem(v: string): string | null {
  if (!URL.canParse(v)) return 'is not an absolute URL';
  const u = new URL(v);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be http(s)';
  if (u.username || u.password) return 'must not contain a user name or password (use --username and --password-stdin)';
  if (u.search || u.hash) return 'must not contain a query or fragment';
  return null;
}

/** RFC 7617: a basic-auth user name cannot contain ":". */
export const lrsUsernameProblem = (v: string): boolean => v.includes(':') || v.length > 255;
