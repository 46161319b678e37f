import type { Clock } from '../clock.js';
import { isStaff } from '../lti/claims.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { ForbiddenError, NotFoundError } from '../web/errors.js';
import type { SpaceInput } from './space-input.js';
import type { Space, SpaceStore } from './space-store.js';

/** Custom parameter a deep-linking item carries so its first launch finds the space it made. */
export const SPACE_CUSTOM_PARAM = 'threadline_space';

export type Landing = { kind: 'space'; space: Space } | { kind: 'deep_linking' } | { kind: 'setup' } | { kind: 'not_ready' } | { kind: 'no_context' } | { kind: 'anonymous' };

/** The page a landing is served at: a space and the deep-linking picker have their own; the rest render at /app. */
export function landingPath(landing: Landing): string {
  if (landing.kind === 'space') return `/spaces/${landing.space.id}`;
  if (landing.kind === 'deep_linking') return '/lti/deep-linking';
  return '/app';
}

export function createSpaceService(store: SpaceStore, clock: Clock) {
  return {
    async create(launch: LaunchContext, input: SpaceInput, bindToLink: boolean): Promise<Space> {
      if (!isStaff(launch.roles)) throw new ForbiddenError('forbidden_role', 'Only instructors can create discussion spaces.').tr('errors:staff_create');
      if (!launch.context) throw new ForbiddenError('no_context', 'Threadline needs to be opened from a course.').tr('errors:no_context');
      return store.create(
        {
          contextId: launch.context.id,
          resourceLinkId: bindToLink ? (launch.resourceLink?.id ?? null) : null,
          kind: input.kind,
          title: input.title,
          eventAt: input.eventAt,
          timeZone: input.timeZone,
          createdBy: launch.user?.id ?? null,
        },
        clock.now(),
      );
    },

    /** Where a launch should land. */
    async landing(launch: LaunchContext): Promise<Landing> {
      if (launch.messageType === 'LtiDeepLinkingRequest') return { kind: 'deep_linking' };
      if (!launch.context || !launch.resourceLink) return { kind: 'no_context' };
      if (!launch.user) return { kind: 'anonymous' };
      const bound = await store.findByResourceLink(launch.resourceLink.id);
      if (bound) return { kind: 'space', space: bound };
      // First launch of a deep-linked item: bind the space it names, if it belongs to this course.
      const named = launch.custom[SPACE_CUSTOM_PARAM];
      if (named) {
        const space = await store.get(launch.context.id, named);
        if (space && (await store.bindResourceLink(launch.context.id, space.id, launch.resourceLink.id, clock.now()))) {
          return { kind: 'space', space: { ...space, resourceLinkId: launch.resourceLink.id } };
        }
      }
      return isStaff(launch.roles) ? { kind: 'setup' } : { kind: 'not_ready' };
    },

    async get(launch: LaunchContext, id: string): Promise<Space> {
      // An id from another context gets 404, never data.
      const space = launch.context ? await store.get(launch.context.id, id) : null;
      if (!space) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
      return space;
    },
  };
}

export type SpaceService = ReturnType<typeof createSpaceService>;
