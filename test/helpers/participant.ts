import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import type { LaunchSpec } from './emulator/platform-emulator.js';
import { launch, type Stack } from './stack.js';
import type { Page } from './test-browser.js';

/**
 * Someone who launched into the course through the emulator, as e2e tests act for them: GETs
 * carry their session token, POSTs carry it and (unless a test says otherwise) the CSRF token.
 */
export interface Participant {
  token: string;
  csrf: string;
  get(path: string): Promise<Page>;
  /** `opts.csrf`: another token to send, or null to send none. */
  post(path: string, fields?: Record<string, string>, opts?: { csrf?: string | null }): Promise<Page>;
}

export async function joinCourse(stack: Stack, spec: LaunchSpec): Promise<Participant> {
  const base = stack.tool.publicUrl;
  const r = await launch(stack, spec);
  expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
  const token = r.sessionToken!;
  const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
  const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  return {
    token,
    csrf,
    get: (path) => r.browser.request(withToken(path)),
    post: (path, fields = {}, opts = {}) => {
      const form: Record<string, string> = { session: token, ...fields };
      const c = opts.csrf === undefined ? csrf : opts.csrf;
      if (c !== null) form._csrf = c;
      return r.browser.request(`${base}${path}`, { form });
    },
  };
}

/** Asserts the status (303 by default: a form that worked), showing the page when it is not. */
export function expectStatus(res: Page, status = 303): Page {
  expect(res.status, res.body.slice(0, 800)).to.equal(status);
  return res;
}

export const threadIdFrom = (res: Page): string => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
export const postIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;

/** Acts that follow each other in a test get distinct times, so "newest first" is well defined. */
export function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}
