import type { JWTPayload } from 'jose';
import { CLAIM, MESSAGE_TYPES, mapRoles, type MessageType, type Roles } from './claims.js';
import { LaunchError } from './launch-errors.js';

export interface DeepLinkingSettings {
  returnUrl: string;
  acceptTypes: string[];
  acceptPresentationTargets: string[];
  acceptMultiple: boolean;
  autoCreate: boolean;
  title?: string;
  text?: string;
  /** Opaque; MUST be echoed back unchanged (Deep Linking 2.0 §4.4.1). */
  data?: string;
}

/** The validated content of an id_token, before anything is stored. */
export interface LaunchClaims {
  messageType: MessageType;
  deploymentId: string;
  targetLinkUri: string;
  sub: string | null;
  user: { name?: string; givenName?: string; familyName?: string; email?: string; picture?: string; locale?: string };
  roles: Roles;
  roleScopeMentor: string[];
  context: { id: string; label?: string; title?: string; types: string[] } | null;
  resourceLink: { id: string; title?: string; description?: string } | null;
  launchPresentation: { documentTarget?: string; returnUrl?: string; locale?: string; width?: number; height?: number };
  custom: Record<string, string>;
  toolPlatform: { guid?: string; name?: string; productFamilyCode?: string; version?: string };
  nrps: { contextMembershipsUrl: string; serviceVersions: string[] } | null;
  ags: { scope: string[]; lineItems?: string; lineItem?: string } | null;
  deepLinking: DeepLinkingSettings | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strArr = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
// Some platforms send booleans as strings ("false"); treat those as what they say.
const bool = (v: unknown): boolean => v === true || v === 'true';
const httpUrl = (v: unknown): string | undefined => {
  const s = str(v);
  if (!s) return undefined;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? s : undefined;
  } catch {
    return undefined;
  }
};

/** Is `uri` served by this tool (same origin as PUBLIC_URL, under its base path)? */
export function isOwnUrl(uri: string, publicUrl: string): boolean {
  try {
    const u = new URL(uri);
    const base = new URL(publicUrl);
    const basePath = base.pathname.replace(/\/$/, '');
    return u.origin === base.origin && (u.pathname === basePath || u.pathname.startsWith(`${basePath}/`) || basePath === '');
  } catch {
    return false;
  }
}

/**
 * LTI Core §5.3 (required message claims) and §5.4 (optional ones), Deep Linking §4.4.1.
 * Required claims are checked strictly; an optional claim of the wrong shape is ignored rather
 * than refusing an otherwise valid launch.
 */
export function parseLaunchClaims(payload: JWTPayload, publicUrl: string): LaunchClaims {
  const p = payload as Obj;
  // §5.3.2: version MUST be 1.3.0.
  if (p[CLAIM.version] !== '1.3.0') throw new LaunchError('version_invalid', `LTI version "${String(p[CLAIM.version] ?? '')}" is not supported; Threadline speaks LTI 1.3.0.`);
  // §5.3.1: message_type; we handle resource-link and deep-linking requests.
  const messageType = p[CLAIM.messageType];
  if (!MESSAGE_TYPES.includes(messageType as MessageType)) {
    throw new LaunchError('message_type_unsupported', `Threadline cannot handle the message type "${String(messageType ?? '')}".`);
  }
  // §5.3.3: deployment_id is required, a case-sensitive string.
  const deploymentId = str(p[CLAIM.deploymentId]);
  if (!deploymentId) throw new LaunchError('deployment_missing', 'The launch names no deployment (deployment_id).');
  // §5.3.4: target_link_uri is required; it must point at us, or someone is relaying a launch.
  const targetLinkUri = str(p[CLAIM.targetLinkUri]);
  if (!targetLinkUri || !isOwnUrl(targetLinkUri, publicUrl)) {
    throw new LaunchError('target_link_uri_foreign', 'The launch is aimed at another tool (target_link_uri is not a Threadline address).');
  }
  // §5.3.7: roles is required, but MAY be empty; unknown roles are allowed.
  if (!Array.isArray(p[CLAIM.roles])) throw new LaunchError('roles_missing', 'The launch carries no roles claim.');
  const roles = mapRoles(strArr(p[CLAIM.roles]));

  // §5.3.5: resource_link.id is required for LtiResourceLinkRequest.
  const rl = p[CLAIM.resourceLink];
  const resourceLink = isObj(rl) && str(rl.id) ? { id: str(rl.id)!, title: str(rl.title), description: str(rl.description) } : null;
  if (messageType === 'LtiResourceLinkRequest' && !resourceLink) {
    throw new LaunchError('resource_link_missing', 'The launch names no resource link (resource_link.id).');
  }

  let deepLinking: DeepLinkingSettings | null = null;
  if (messageType === 'LtiDeepLinkingRequest') {
    const s = p[CLAIM.deepLinkingSettings];
    const returnUrl = isObj(s) ? httpUrl(s.deep_link_return_url) : undefined;
    if (!isObj(s) || !returnUrl) throw new LaunchError('deep_linking_settings_missing', 'The deep-linking request has no deep_link_return_url.');
    deepLinking = {
      returnUrl,
      acceptTypes: strArr(s.accept_types),
      acceptPresentationTargets: strArr(s.accept_presentation_document_targets),
      acceptMultiple: s.accept_multiple === undefined ? true : bool(s.accept_multiple),
      autoCreate: bool(s.auto_create),
      title: str(s.title),
      text: str(s.text),
      data: typeof s.data === 'string' ? s.data : undefined,
    };
  }

  const ctx = p[CLAIM.context];
  const context = isObj(ctx) && str(ctx.id) ? { id: str(ctx.id)!, label: str(ctx.label), title: str(ctx.title), types: strArr(ctx.type) } : null;
  const lp = isObj(p[CLAIM.launchPresentation]) ? (p[CLAIM.launchPresentation] as Obj) : {};
  const tp = isObj(p[CLAIM.toolPlatform]) ? (p[CLAIM.toolPlatform] as Obj) : {};
  const customRaw = isObj(p[CLAIM.custom]) ? (p[CLAIM.custom] as Obj) : {};
  const custom = Object.fromEntries(Object.entries(customRaw).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const nrpsRaw = p[CLAIM.nrps];
  const nrpsUrl = isObj(nrpsRaw) ? httpUrl(nrpsRaw.context_memberships_url) : undefined;
  const agsRaw = p[CLAIM.ags];

  return {
    messageType: messageType as MessageType,
    deploymentId,
    targetLinkUri,
    sub: str(p.sub) ?? null, // Core §5.3.6: anonymous launches omit sub
    user: {
      name: str(p.name),
      givenName: str(p.given_name),
      familyName: str(p.family_name),
      email: str(p.email),
      picture: httpUrl(p.picture),
      locale: str(p.locale),
    },
    roles,
    roleScopeMentor: strArr(p[CLAIM.roleScopeMentor]),
    context,
    resourceLink,
    launchPresentation: {
      documentTarget: str(lp.document_target),
      returnUrl: httpUrl(lp.return_url),
      locale: str(lp.locale),
      width: num(lp.width),
      height: num(lp.height),
    },
    custom,
    toolPlatform: { guid: str(tp.guid), name: str(tp.name), productFamilyCode: str(tp.product_family_code), version: str(tp.version) },
    nrps: nrpsUrl && isObj(nrpsRaw) ? { contextMembershipsUrl: nrpsUrl, serviceVersions: strArr(nrpsRaw.service_versions) } : null,
    ags: isObj(agsRaw) ? { scope: strArr(agsRaw.scope), lineItems: httpUrl(agsRaw.lineitems), lineItem: httpUrl(agsRaw.lineitem) } : null,
    deepLinking,
  };
}
