import { SCOPES } from './claims.js';

/**
 * Everything a platform needs to know about Threadline, defined once: the Dynamic Registration
 * body, the Canvas developer-key JSON and the Common Cartridge XML all read their URLs from here,
 * so a path can never differ between them.
 */

export const TOOL_NAME = 'Threadline';
export const TOOL_DESCRIPTION = 'Social learning around training events: prep threads before the event, discussion and follow-up reflections after it.';

/** The tool's endpoints for a given PUBLIC_URL (no trailing slash). */
export interface ToolUrls {
  publicUrl: string;
  /** host[:port] of PUBLIC_URL. */
  domain: string;
  login: string;
  launch: string;
  jwks: string;
  logo: string;
  register: string;
}

export function toolUrls(publicUrl: string): ToolUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    publicUrl: base,
    domain: new URL(base).host,
    login: `${base}/lti/login`,
    launch: `${base}/lti/launch`,
    jwks: `${base}/.well-known/jwks.json`,
    logo: `${base}/public/logo.svg`,
    register: `${base}/lti/register`,
  };
}

/**
 * Service scopes Threadline uses: AGS to create its own line items and post scores (lineitem
 * covers reading them too), results to show them back, NRPS for the roster.
 */
export const WANTED_SCOPES: readonly string[] = [SCOPES.lineItem, SCOPES.resultReadonly, SCOPES.score, SCOPES.nrps];

/** OIDC claims we ask for (Dynamic Registration §3.5.2 `claims`): names and locale for display. */
export const WANTED_CLAIMS: readonly string[] = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'locale'];

export const TOOL_CONFIGURATION_KEY = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION_KEY = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** Placements we would like, in the spellings Moodle ("ContentArea") and Canvas use. */
const CANVAS = 'https://canvas.instructure.com/lti/';
export const PREFERRED_PLACEMENTS = {
  LtiDeepLinkingRequest: ['ContentArea', `${CANVAS}link_selection`, `${CANVAS}assignment_selection`, 'link_selection', 'assignment_selection'],
  LtiResourceLinkRequest: [`${CANVAS}course_navigation`, 'course_navigation'],
} as const;

export type ToolMessageType = keyof typeof PREFERRED_PLACEMENTS;

export interface ToolMessage {
  type: ToolMessageType;
  target_link_uri: string;
  label?: string;
  icon_uri?: string;
  placements?: string[];
}

export interface LtiToolConfiguration {
  domain: string;
  target_link_uri: string;
  description: string;
  claims: string[];
  messages: ToolMessage[];
  /** Present only in the platform's answer. */
  deployment_id?: string;
}

/** Dynamic Registration §3.5.2: the OpenID client registration request with the LTI extension. */
export interface ClientRegistrationRequest {
  application_type: 'web';
  response_types: ['id_token'];
  grant_types: ['implicit', 'client_credentials'];
  initiate_login_uri: string;
  redirect_uris: string[];
  client_name: string;
  jwks_uri: string;
  logo_uri: string;
  token_endpoint_auth_method: 'private_key_jwt';
  scope: string;
  [TOOL_CONFIGURATION_KEY]: LtiToolConfiguration;
}

/** What the platform offers, as far as shaping our request goes. */
export interface PlatformOffer {
  scopesSupported: readonly string[];
  /** messages_supported of the platform configuration: type → placements it lists (empty = none listed). */
  messagesSupported: ReadonlyMap<string, readonly string[]>;
}

/**
 * The registration body for a platform. Asks only for scopes the platform lists (§3.5.2: a
 * platform may refuse the whole registration over one unknown scope), offers deep linking only
 * where the platform supports it, and names placements only from those it lists.
 */
export function registrationRequest(publicUrl: string, offer: PlatformOffer): ClientRegistrationRequest {
  const u = toolUrls(publicUrl);
  const scopes = WANTED_SCOPES.filter((s) => offer.scopesSupported.includes(s));
  const messages: ToolMessage[] = [withPlacements({ type: 'LtiResourceLinkRequest', target_link_uri: u.launch, label: TOOL_NAME }, offer)];
  if (offer.messagesSupported.has('LtiDeepLinkingRequest')) {
    messages.push(withPlacements({ type: 'LtiDeepLinkingRequest', target_link_uri: u.launch, label: TOOL_NAME, icon_uri: u.logo }, offer));
  }
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: u.login,
    // Moodle compares redirect_uri character for character: this is the one string we ever send.
    redirect_uris: [u.launch],
    client_name: TOOL_NAME,
    jwks_uri: u.jwks,
    logo_uri: u.logo,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: scopes.join(' '),
    [TOOL_CONFIGURATION_KEY]: {
      domain: u.domain,
      target_link_uri: u.launch,
      description: TOOL_DESCRIPTION,
      claims: [...WANTED_CLAIMS],
      messages,
    },
  };
}

function withPlacements(m: ToolMessage, offer: PlatformOffer): ToolMessage {
  const offered = offer.messagesSupported.get(m.type) ?? [];
  const placements = PREFERRED_PLACEMENTS[m.type].filter((p) => offered.includes(p));
  return placements.length ? { ...m, placements } : m;
}

/** Canvas developer key, "Paste JSON" method (Canvas docs: LTI 1.3 configuration JSON). */
export interface CanvasPlacement {
  placement: string;
  message_type: ToolMessageType;
  text: string;
  enabled: boolean;
  icon_url: string;
  target_link_uri: string;
  selection_width?: number;
  selection_height?: number;
}

export interface CanvasDeveloperKey {
  title: string;
  description: string;
  oidc_initiation_url: string;
  target_link_uri: string;
  public_jwk_url: string;
  scopes: string[];
  extensions: Array<{
    domain: string;
    tool_id: string;
    platform: 'canvas.instructure.com';
    privacy_level: 'public';
    settings: { text: string; icon_url: string; placements: CanvasPlacement[] };
  }>;
  custom_fields: Record<string, string>;
}

export function canvasDeveloperKey(publicUrl: string): CanvasDeveloperKey {
  const u = toolUrls(publicUrl);
  const place = (placement: string, messageType: ToolMessageType, size?: { w: number; h: number }): CanvasPlacement => ({
    placement,
    message_type: messageType,
    text: TOOL_NAME,
    enabled: true,
    icon_url: u.logo,
    target_link_uri: u.launch,
    ...(size ? { selection_width: size.w, selection_height: size.h } : {}),
  });
  return {
    title: TOOL_NAME,
    description: TOOL_DESCRIPTION,
    oidc_initiation_url: u.login,
    target_link_uri: u.launch,
    public_jwk_url: u.jwks,
    scopes: [...WANTED_SCOPES],
    extensions: [
      {
        domain: u.domain,
        tool_id: 'threadline',
        platform: 'canvas.instructure.com',
        // Names and e-mail are shown in discussions; anything less would make posts anonymous.
        privacy_level: 'public',
        settings: {
          text: TOOL_NAME,
          icon_url: u.logo,
          placements: [
            place('link_selection', 'LtiDeepLinkingRequest', { w: 800, h: 600 }),
            place('assignment_selection', 'LtiDeepLinkingRequest', { w: 800, h: 600 }),
            place('course_navigation', 'LtiResourceLinkRequest'),
          ],
        },
      },
    ],
    // Canvas expands this standard substitution variable; we render times in the learner's zone.
    custom_fields: { timezone: '$Person.address.timezone' },
  };
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * IMS Common Cartridge basic LTI link (imslticc_v1p0), for platforms that import a tool from XML.
 * Elements follow the schema's sequence: title, description, extensions, launch_url, icon, vendor.
 * LTI 1.3 has no standard XML fields, so its URLs travel as lticm properties.
 */
export function commonCartridgeXml(publicUrl: string): string {
  const u = toolUrls(publicUrl);
  const prop = (name: string, value: string): string => `    <lticm:property name="${xmlEscape(name)}">${xmlEscape(value)}</lticm:property>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0"',
    '    xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0"',
    '    xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"',
    '    xmlns:lticp="http://www.imsglobal.org/xsd/imslticp_v1p0"',
    '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '    xsi:schemaLocation="http://www.imsglobal.org/xsd/imslticc_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticc_v1p0.xsd',
    '      http://www.imsglobal.org/xsd/imsbasiclti_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imsbasiclti_v1p0.xsd',
    '      http://www.imsglobal.org/xsd/imslticm_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticm_v1p0.xsd',
    '      http://www.imsglobal.org/xsd/imslticp_v1p0 http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticp_v1p0.xsd">',
    `  <blti:title>${xmlEscape(TOOL_NAME)}</blti:title>`,
    `  <blti:description>${xmlEscape(TOOL_DESCRIPTION)}</blti:description>`,
    '  <blti:extensions platform="canvas.instructure.com">',
    prop('tool_id', 'threadline'),
    prop('domain', u.domain),
    prop('privacy_level', 'public'),
    prop('oidc_initiation_url', u.login),
    prop('target_link_uri', u.launch),
    prop('redirect_uri', u.launch),
    prop('public_jwk_url', u.jwks),
    prop('registration_url', u.register),
    '  </blti:extensions>',
    `  <blti:launch_url>${xmlEscape(u.launch)}</blti:launch_url>`,
    `  <blti:icon>${xmlEscape(u.logo)}</blti:icon>`,
    '  <blti:vendor>',
    '    <lticp:code>threadline</lticp:code>',
    `    <lticp:name>${xmlEscape(TOOL_NAME)}</lticp:name>`,
    '  </blti:vendor>',
    '</cartridge_basiclti_link>',
    '',
  ].join('\n');
}
