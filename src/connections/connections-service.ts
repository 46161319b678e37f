import type { Clock } from '../clock.js';
import { requireUser, viewerOf, type Viewer } from '../discussion/discussion-policy.js';
import { renderMarkdown, RENDER_VERSION } from '../discussion/markdown.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { NotFoundError } from '../web/errors.js';
import { buildCards, rankCards, topTags, type PersonCard } from './connections-directory.js';
import type { ProfileInput } from './connections-input.js';
import type { ConnectionsStore, ExpertProfile } from './connections-store.js';

export interface ConnectionsDeps {
  spaces: Pick<SpaceStore, 'get'>;
  connections: ConnectionsStore;
  clock: Clock;
}

export interface DirectoryPage {
  space: Space;
  viewer: Viewer;
  people: PersonCard[];
  topics: Array<{ label: string; score: number; people: number }>;
  /** Whether this viewer can keep a profile (a signed-in, non read-only participant). */
  canEdit: boolean;
}

/**
 * The people directory of a course, reached through one of its spaces (the page needs a space to
 * link back to, and the space's course is the directory's scope). Every call starts from the
 * launch: a space id from another course is a 404, and nothing from another course is read.
 */
export function createConnectionsService(deps: ConnectionsDeps) {
  async function spaceOf(launch: LaunchContext, spaceId: string): Promise<{ v: Viewer; space: Space }> {
    const v = viewerOf(launch);
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('There is no space at this address in your course.');
    return { v, space };
  }
  const canEdit = (v: Viewer) => v.userId !== null && !v.readOnly;

  return {
    async directory(launch: LaunchContext, spaceId: string, query: string): Promise<DirectoryPage> {
      const { v, space } = await spaceOf(launch, spaceId);
      const cards = buildCards(await deps.connections.help(v.contextId, v), await deps.connections.profiles(v.contextId));
      return { space, viewer: v, people: rankCards(cards, query), topics: topTags(cards), canEdit: canEdit(v) };
    },

    /** The viewer's own profile for the edit form (writers only: mentors and guests get 403). */
    async profileForm(launch: LaunchContext, spaceId: string): Promise<{ space: Space; profile: ExpertProfile | null }> {
      const { v, space } = await spaceOf(launch, spaceId);
      const userId = requireUser(v);
      return { space, profile: await deps.connections.profile(v.contextId, userId) };
    },

    /** Saves the viewer's own profile: there is no way to name anyone else's. */
    async saveProfile(launch: LaunchContext, spaceId: string, input: ProfileInput): Promise<{ space: Space; profile: ExpertProfile }> {
      const { v, space } = await spaceOf(launch, spaceId);
      const userId = requireUser(v);
      // Rendered once on save through the one sanitizer, like posts: pages print bio_html as is.
      const profile = await deps.connections.saveProfile(
        v.contextId,
        userId,
        { bioMarkdown: input.bio, bioHtml: input.bio ? renderMarkdown(input.bio) : '', renderVersion: RENDER_VERSION, expertise: input.expertise, openToMentoring: input.openToMentoring },
        deps.clock.now(),
      );
      return { space, profile };
    },
  };
}

export type ConnectionsService = ReturnType<typeof createConnectionsService>;
