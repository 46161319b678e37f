/** Claim names from LTI 1.3 Core §5, Deep Linking 2.0 §4.4, NRPS 2.0 §3.6.1, AGS 2.0 §3.1. */
const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  roleScopeMentor: `${LTI}role_scope_mentor`,
  deepLinkingSettings: `${DL}deep_linking_settings`,
  contentItems: `${DL}content_items`,
  dlData: `${DL}data`,
  dlMsg: `${DL}msg`,
  dlErrorMsg: `${DL}errormsg`,
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
} as const;

export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

export const ALL_SERVICE_SCOPES = Object.values(SCOPES);

export type Role = 'learner' | 'instructor' | 'ta' | 'admin' | 'mentor';

export interface Roles {
  /** Exactly as the platform sent them. */
  raw: string[];
  has: Record<Role, boolean>;
  /** The role that decides what the user may do: admin > instructor > ta > mentor > learner. */
  primary: Role;
}

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

/**
 * LTI Core §A.2: roles are full URIs; some platforms still send the short LIS names ("Learner"),
 * which §A.2.3.1 deprecates but we accept. Empty, unknown or many roles are valid: an unknown
 * role alone makes a learner, the least privileged kind.
 */
export function mapRoles(raw: string[]): Roles {
  const has: Record<Role, boolean> = { learner: false, instructor: false, ta: false, admin: false, mentor: false };
  for (const r of raw) {
    const name = r.startsWith(MEMBERSHIP) ? r.slice(MEMBERSHIP.length) : r.startsWith('http://purl.imsglobal.org/vocab/lis/v2/membership/') ? r.slice('http://purl.imsglobal.org/vocab/lis/v2/membership/'.length) : r;
    if (r === `${INSTITUTION}Administrator` || r === `${SYSTEM}Administrator` || r === `${SYSTEM}SysAdmin` || name === 'Administrator') has.admin = true;
    else if (name === 'Instructor#TeachingAssistant' || name === 'TeachingAssistant') has.ta = true;
    else if (name === 'Instructor' || name === 'ContentDeveloper' || name.startsWith('Instructor#')) has.instructor = true;
    else if (name === 'Mentor' || name.startsWith('Mentor#')) has.mentor = true;
    else if (name === 'Learner' || name.startsWith('Learner#') || name === 'Student') has.learner = true;
  }
  const order: Role[] = ['admin', 'instructor', 'ta', 'mentor', 'learner'];
  const primary = order.find((r) => has[r]) ?? 'learner';
  return { raw, has, primary };
}

/** May the user configure and moderate? */
export const isStaff = (roles: Roles): boolean => roles.primary === 'admin' || roles.primary === 'instructor' || roles.primary === 'ta';
