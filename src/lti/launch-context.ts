import type { MessageType, Roles } from './claims.js';
import type { DeepLinkingSettings } from './launch-claims.js';

/**
 * Everything a validated launch says, as one typed object with our own row ids. Every later
 * request is authorised from it; it is stored with the session.
 */
export interface LaunchContext {
  messageType: MessageType;
  platform: { id: string; issuer: string; clientId: string; productFamily: string | null };
  deployment: { id: string; deploymentId: string };
  /** Null for anonymous launches (Core §5.3.6 lets a platform omit sub). */
  user: { id: string; sub: string; name: string | null; email: string | null; picture: string | null } | null;
  context: { id: string; contextId: string; label: string | null; title: string | null } | null;
  resourceLink: { id: string; resourceLinkId: string; title: string | null } | null;
  roles: Roles;
  /** Core §5.4.5 role_scope_mentor: subs of the users a mentor may see. */
  mentees: string[];
  locale: string;
  returnUrl: string | null;
  documentTarget: string | null;
  custom: Record<string, string>;
  nrps: { contextMembershipsUrl: string } | null;
  ags: { scope: string[]; lineItems: string | null; lineItem: string | null } | null;
  deepLinking: DeepLinkingSettings | null;
  launchedAt: number;
}
