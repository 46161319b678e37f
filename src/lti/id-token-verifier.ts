import { decodeProtectedHeader, decodeJwt, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { LaunchError } from './launch-errors.js';
import type { Platform } from './platform-store.js';
import type { PlatformJwks } from './platform-jwks.js';

export interface VerifyOptions {
  platform: Platform;
  expectedNonce: string;
  clockSkewSeconds: number;
}

/** How old an id_token may be. Platforms mint it right before the form_post, so minutes suffice. */
const MAX_TOKEN_AGE_SECONDS = 10 * 60;

/**
 * Verifies an id_token's envelope as the 1EdTech Security Framework §5.1.3 ("Authentication
 * Response Validation") requires. Claim content (LTI Core) is checked by launch-claims.ts.
 */
export class IdTokenVerifier {
  constructor(
    private readonly jwks: PlatformJwks,
    private readonly clock: Clock,
  ) {}

  async verify(idToken: string, opts: VerifyOptions): Promise<JWTPayload> {
    const { platform } = opts;
    // RFC 7519 §7.2: a JWS compact serialisation has exactly three base64url parts.
    if (typeof idToken !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(idToken)) {
      throw new LaunchError('jwt_malformed', 'The launch token (id_token) is not a well-formed JWT.');
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(idToken);
      unverified = decodeJwt(idToken);
    } catch {
      throw new LaunchError('jwt_malformed', 'The launch token (id_token) could not be decoded.');
    }
    // Security Framework §5.1.3 step 6 + §5.4: RS256 only; "none" and symmetric algorithms are refused,
    // otherwise a forger could sign with the public key as an HMAC secret.
    if (header.alg !== 'RS256') {
      throw new LaunchError('alg_not_allowed', `The launch token is signed with "${String(header.alg)}"; only RS256 is accepted.`);
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new LaunchError('kid_missing', 'The launch token header has no key id (kid), so its signature cannot be checked.');
    }
    // Security Framework §5.1.3 step 2: iss MUST exactly match the platform's issuer.
    if (unverified.iss !== platform.issuer) {
      throw new LaunchError('iss_mismatch', 'The launch token was issued by a different platform than the one that started this login.');
    }
    const key = await this.jwks.key(platform, header.kid);
    if (!key) {
      throw new LaunchError('kid_unknown', 'The platform does not publish the key that signed this launch.', 'An administrator should check the platform JWKS URL registered for Threadline.');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, key, {
        algorithms: ['RS256'],
        clockTolerance: opts.clockSkewSeconds,
        currentDate: new Date(this.clock.now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new LaunchError('token_expired', 'The launch token has expired. Reload the page in your course to launch again.');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iat') throw new LaunchError('iat_invalid', 'The launch token was issued in the future; the platform clock may be wrong.');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') throw new LaunchError('iat_invalid', 'The launch token is not valid yet.');
      throw new LaunchError('signature_invalid', 'The launch token signature is not valid.');
    }
    const now = Math.floor(this.clock.now() / 1000);
    // Security Framework §5.1.3 step 7: exp is required and must not have passed.
    if (typeof payload.exp !== 'number') throw new LaunchError('token_expired', 'The launch token has no expiry (exp).');
    // Step 8: iat is required; we refuse tokens issued in the future or long ago.
    if (typeof payload.iat !== 'number') throw new LaunchError('iat_invalid', 'The launch token has no issue time (iat).');
    if (payload.iat > now + opts.clockSkewSeconds) throw new LaunchError('iat_invalid', 'The launch token was issued in the future; the platform clock may be wrong.');
    if (payload.iat < now - MAX_TOKEN_AGE_SECONDS - opts.clockSkewSeconds) throw new LaunchError('iat_invalid', 'The launch token is too old. Reload the page in your course to launch again.');
    // Step 3: aud MUST contain our client_id. Steps 4-5: with several audiences azp is required,
    // and when present it MUST be our client_id.
    const aud = Array.isArray(payload.aud) ? payload.aud : typeof payload.aud === 'string' ? [payload.aud] : [];
    if (!aud.includes(platform.clientId)) throw new LaunchError('aud_mismatch', 'The launch token is addressed to a different tool (aud does not contain our client id).');
    const azp = (payload as { azp?: unknown }).azp;
    if (aud.length > 1 && azp === undefined) throw new LaunchError('azp_missing', 'The launch token names several audiences but no authorised party (azp).');
    if (azp !== undefined && azp !== platform.clientId) throw new LaunchError('azp_mismatch', 'The launch token was authorised for a different tool (azp).');
    // Step 9: the nonce MUST be the one we issued for this login; single use is enforced by the state row.
    if (payload.nonce !== opts.expectedNonce) throw new LaunchError('nonce_mismatch', 'The launch token does not belong to this login (nonce mismatch).');
    return payload;
  }
}
