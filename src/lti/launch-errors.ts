import { AppError } from '../web/errors.js';

/**
 * Why a launch was refused. Codes are stable: logs, metrics and tests use them. Messages are for
 * the person in front of the iframe; hints say who can fix it and how.
 */
export type LaunchRefusal =
  | 'state_missing'
  | 'state_unknown'
  | 'state_expired'
  | 'state_not_bound'
  | 'replayed'
  | 'jwt_malformed'
  | 'alg_not_allowed'
  | 'kid_missing'
  | 'kid_unknown'
  | 'signature_invalid'
  | 'iss_mismatch'
  | 'aud_mismatch'
  | 'azp_missing'
  | 'azp_mismatch'
  | 'token_expired'
  | 'iat_invalid'
  | 'nonce_mismatch'
  | 'deployment_missing'
  | 'deployment_unknown'
  | 'deployment_disabled'
  | 'message_type_unsupported'
  | 'version_invalid'
  | 'roles_missing'
  | 'resource_link_missing'
  | 'target_link_uri_foreign'
  | 'deep_linking_settings_missing'
  | 'platform_unknown'
  | 'platform_disabled'
  | 'login_params_invalid';

/**
 * Which platform and deployment a refused launch claimed to come from, as far as the tool knew
 * when it refused: recorded for the admin area (launch-refusal-store.ts). `platformId` is set only
 * from the login state (ours); the other fields may come from an unverified token and are shown
 * as claims, never trusted.
 */
export interface RefusalWhere {
  platformId: string | null;
  issuer: string | null;
  clientId: string | null;
  deploymentId: string | null;
}

export class LaunchError extends AppError {
  where?: RefusalWhere;

  constructor(
    readonly reason: LaunchRefusal,
    message: string,
    hint?: string,
    status = reason.startsWith('state') || reason === 'replayed' ? 401 : 400,
  ) {
    super(status, `launch_${reason}`, message, hint);
  }
}
