import type { Clock } from '../clock.js';
import { randomToken, sha256 } from '../ids.js';
import { isOwnUrl } from './launch-claims.js';
import { LaunchError } from './launch-errors.js';
import type { LoginStateStore } from './login-state-store.js';
import type { Platform, PlatformStore } from './platform-store.js';

export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

export interface LoginRequest {
  iss?: string;
  login_hint?: string;
  target_link_uri?: string;
  lti_message_hint?: string;
  lti_deployment_id?: string;
  client_id?: string;
  lti_storage_target?: string;
}

export interface LoginStarted {
  platform: Platform;
  /** The platform's OIDC authorisation URL with every parameter, for a GET redirect. */
  authUrl: string;
  state: string;
  nonce: string;
  /** Secret the browser must give back at launch: cookie value and/or platform-storage value. */
  binding: string;
  storageTarget: string | null;
}

export interface LoginServiceDeps {
  platforms: PlatformStore;
  states: LoginStateStore;
  clock: Clock;
  publicUrl: string;
}

export const launchUrl = (publicUrl: string): string => `${publicUrl}/lti/launch`;

/**
 * Third-party initiated login (Security Framework §5.1.1.1) → authentication request (§5.1.1.2).
 */
export function createLoginService(deps: LoginServiceDeps) {
  return {
    async start(req: LoginRequest): Promise<LoginStarted> {
      const { iss, login_hint: loginHint, target_link_uri: targetLinkUri } = req;
      // §5.1.1.1: iss, login_hint and target_link_uri are required.
      if (!iss || !loginHint || !targetLinkUri) {
        const missing = ['iss', 'login_hint', 'target_link_uri'].filter((k) => !req[k as keyof LoginRequest]);
        throw new LaunchError('login_params_invalid', `The login request is missing ${missing.join(', ')}.`, 'Start Threadline from a link in your course.');
      }
      if (!isOwnUrl(targetLinkUri, deps.publicUrl)) {
        throw new LaunchError('target_link_uri_foreign', 'The login asks to open an address that is not Threadline (target_link_uri).');
      }
      const platform = await findPlatform(deps.platforms, iss, req.client_id);
      const state = randomToken(24);
      const nonce = randomToken(24);
      const binding = randomToken(24);
      const now = deps.clock.now();
      const storageTarget = req.lti_storage_target && /^[\w.-]{1,255}$/.test(req.lti_storage_target) ? req.lti_storage_target : null;
      const loginParams = Object.fromEntries(Object.entries(req).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      await deps.states.insert({
        state,
        nonce,
        bindingHash: sha256(binding),
        platformId: platform.id,
        targetLinkUri,
        storageTarget,
        loginParams,
        createdAt: now,
        expiresAt: now + LOGIN_STATE_TTL_MS,
        usedAt: null,
      });
      // §5.1.1.2: the authentication request parameters. redirect_uri is always the one exact
      // string we register (Moodle compares it character for character).
      const auth = new URL(platform.authEndpoint);
      const params: Record<string, string> = {
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: platform.clientId,
        redirect_uri: launchUrl(deps.publicUrl),
        login_hint: loginHint,
        state,
        nonce,
      };
      if (req.lti_message_hint) params.lti_message_hint = req.lti_message_hint;
      for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
      return { platform, authUrl: auth.toString(), state, nonce, binding, storageTarget };
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;

async function findPlatform(platforms: PlatformStore, iss: string, clientId: string | undefined): Promise<Platform> {
  let platform: Platform | null = null;
  if (clientId) {
    platform = await platforms.findByIssuerAndClient(iss, clientId);
  } else {
    // client_id is optional in the login request; without it the issuer must be unambiguous.
    const candidates = await platforms.findByIssuer(iss);
    if (candidates.length > 1) {
      throw new LaunchError('platform_unknown', 'This platform has several Threadline registrations and did not say which one (client_id).', 'Ask your LMS administrator to send client_id in the login request.');
    }
    platform = candidates[0] ?? null;
  }
  if (!platform) {
    throw new LaunchError('platform_unknown', 'Threadline is not registered with this platform.', 'An administrator can register it with Dynamic Registration at /lti/register, or with `npm run platform -- add`.');
  }
  if (platform.status !== 'active') throw new LaunchError('platform_disabled', 'Threadline has been disabled for this platform.', 'Ask your Threadline administrator.');
  return platform;
}
