import { SignJWT } from 'jose';
import type { Clock } from '../clock.js';
import { randomToken } from '../ids.js';
import { CLAIM } from './claims.js';
import type { LaunchContext } from './launch-context.js';
import type { ToolKeys } from './tool-keys.js';

export interface ResourceLinkItem {
  title: string;
  text?: string;
  url: string;
  custom: Record<string, string>;
}

/** Deep Linking 2.0 §3.3 / §4.4.1: where the platform may show what we return. */
export function presentation(acceptTargets: string[]): { iframe?: Record<string, never>; window?: { targetName: string } } {
  if (acceptTargets.length === 0 || acceptTargets.includes('iframe')) return { iframe: {} };
  if (acceptTargets.includes('window')) return { window: { targetName: '_blank' } };
  return {};
}

/**
 * Builds the signed LtiDeepLinkingResponse (Deep Linking 2.0 §4.5). `items` empty means the
 * instructor cancelled; `errorMessage` reports a failure back to the platform (§4.5.2 errormsg).
 */
export async function deepLinkingResponse(
  keys: ToolKeys,
  clock: Clock,
  launch: LaunchContext,
  items: ResourceLinkItem[],
  opts: { message?: string; errorMessage?: string } = {},
): Promise<string> {
  const dl = launch.deepLinking;
  if (!dl) throw new Error('not a deep-linking launch');
  const target = presentation(dl.acceptPresentationTargets);
  // §4.4.1: accept_multiple false (or "false") allows one item at most.
  const allowed = dl.acceptMultiple ? items : items.slice(0, 1);
  const contentItems = allowed.map((i) => ({ type: 'ltiResourceLink', title: i.title, text: i.text, url: i.url, custom: i.custom, ...target }));
  const claims: Record<string, unknown> = {
    nonce: randomToken(16),
    [CLAIM.deploymentId]: launch.deployment.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    [CLAIM.contentItems]: contentItems,
  };
  // §4.5.1: data MUST be echoed unchanged when the request carried it.
  if (dl.data !== undefined) claims[CLAIM.dlData] = dl.data;
  if (opts.message) claims[CLAIM.dlMsg] = opts.message;
  if (opts.errorMessage) claims[CLAIM.dlErrorMsg] = opts.errorMessage;
  const { kid, key } = await keys.signingKey();
  const now = Math.floor(clock.now() / 1000);
  // §4.5: iss is our client id, aud the platform issuer.
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(launch.platform.clientId)
    .setAudience(launch.platform.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key);
}
