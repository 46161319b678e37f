import { expect } from 'chai';
import { mapRoles } from '../../src/lti/claims.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { AppError } from '../../src/web/errors.js';

export const FIXTURE_ROLE = {
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  ta: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  admin: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
} as const;

/** A LaunchContext for service tests on fakes: one user (or anonymous) in one course (or none). */
export function launchOf(userId: string | null, contextId: string | null, role: keyof typeof FIXTURE_ROLE = 'learner'): LaunchContext {
  return {
    messageType: 'LtiResourceLinkRequest',
    platform: { id: 'p1', issuer: 'https://lms.example', clientId: 'c', productFamily: null },
    deployment: { id: 'd1', deploymentId: 'dep' },
    user: userId ? { id: userId, sub: `sub-${userId}`, name: null, email: null, picture: null } : null,
    context: contextId ? { id: contextId, contextId: `lms-${contextId}`, label: null, title: null } : null,
    resourceLink: null,
    roles: mapRoles([FIXTURE_ROLE[role]]),
    mentees: [],
    locale: 'en',
    returnUrl: null,
    documentTarget: null,
    custom: {},
    nrps: null,
    ags: null,
    deepLinking: null,
    launchedAt: 0,
  };
}

/** The AppError a call fails with; fails the test when the call succeeds. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}
