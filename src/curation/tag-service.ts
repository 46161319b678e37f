import type { Clock } from '../clock.js';
import type { Db } from '../db/knex.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { AppError, BadRequestError, ForbiddenError, NotFoundError } from '../web/errors.js';
import { requireStaff, requireUser, viewerOf } from '../discussion/discussion-policy.js';
import { spaceRef, statementOf, threadRef, type DiscussionXapi } from '../discussion/discussion-xapi.js';
import type { ThreadStore } from '../discussion/thread-store.js';
import { loadSpace, loadThread } from '../discussion/thread-service.js';
import type { Tag, TagStore } from './tag-store.js';
import type { ThreadKind } from '../discussion/discussion-model.js';

/** The space's tags for `ids`, or 400 when one is not the space's (a forged or stale checkbox). */
export async function tagsFor(tags: TagStore, contextId: string, spaceId: string, ids: string[]): Promise<Tag[]> {
  if (ids.length === 0) return [];
  const known = new Map((await tags.list(contextId, spaceId)).map((t) => [t.id, t]));
  const out = ids.map((id) => known.get(id));
  if (out.some((t) => !t)) throw new BadRequestError('unknown_tag', 'One of the tags you chose is not a tag of this space.', 'Reload the page and choose again.').tr('errors:unknown_tag');
  return out as Tag[];
}

/** Queues one `tagged` statement per newly applied tag, in the act's transaction. */
export async function recordTagsIn(
  x: DiscussionXapi | undefined,
  launch: LaunchContext,
  trx: Db,
  at: number,
  space: Space,
  thread: { id: string; title: string; kind: ThreadKind },
  applied: Tag[],
): Promise<void> {
  if (!x) return;
  // One act per (thread, tag, time): re-applying a tag removed earlier is a new act.
  const list = applied.map((tag) => statementOf(x, launch, { kind: 'tag_applied', id: JSON.stringify([thread.id, tag.id, at]), at, space: spaceRef(space), thread: threadRef(thread), tag: { id: tag.id, label: tag.label } }));
  const statements = list.filter((s) => s !== null);
  if (statements.length) await x.outbox.enqueue(trx, statements, launch.platform.id);
}

export interface TagServiceDeps {
  spaces: Pick<SpaceStore, 'get'>;
  threads: ThreadStore;
  tags: TagStore;
  clock: Clock;
  xapi?: DiscussionXapi;
}

export type TagLabelResult = { ok: true } | { ok: false; status: 400 | 409; error: string };

export function createTagService(deps: TagServiceDeps) {
  return {
    /** Staff: the space's tags, to manage them. */
    async manage(launch: LaunchContext, spaceId: string): Promise<{ space: Space; tags: Tag[] }> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireStaff(v);
      return { space, tags: await deps.tags.list(v.contextId, space.id) };
    },

    async list(launch: LaunchContext, spaceId: string): Promise<Tag[]> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      return deps.tags.list(v.contextId, space.id);
    },

    /** Staff: a new tag; 409 when the space has that label already (any case). */
    async create(launch: LaunchContext, spaceId: string, label: string): Promise<Tag> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireStaff(v);
      const tag = await deps.tags.create(space.id, label, deps.clock.now());
      if (!tag) throw new AppError(409, 'tag_exists', `This space already has the tag “${label}”.`).tr('errors:tag_exists', { label });
      return tag;
    },

    async rename(launch: LaunchContext, spaceId: string, tagId: string, label: string): Promise<void> {
      const { tag } = await staffTag(launch, spaceId, tagId);
      if (!(await deps.tags.rename(tag.id, label))) throw new AppError(409, 'tag_exists', `This space already has the tag “${label}”.`).tr('errors:tag_exists', { label });
    },

    async remove(launch: LaunchContext, spaceId: string, tagId: string): Promise<void> {
      const { tag } = await staffTag(launch, spaceId, tagId);
      await deps.tags.remove(tag.id);
    },

    /** A tag of the space, for the ?tag= filter; 404 for one from another space or course. */
    async filterTag(launch: LaunchContext, spaceId: string, tagId: string): Promise<Tag> {
      const v = viewerOf(launch);
      const tag = await deps.tags.get(v.contextId, tagId);
      if (!tag || tag.spaceId !== spaceId) throw new NotFoundError('This tag does not exist in this space.').tr('errors:no_tag');
      return tag;
    },

    /** The thread's tags and the space's, for the "edit tags" form (its author or staff). */
    async forThread(launch: LaunchContext, threadId: string): Promise<{ space: Space; thread: { id: string; title: string }; tags: Tag[]; chosen: Set<string> }> {
      const v = viewerOf(launch);
      const { thread, space } = await loadThread(deps, v, threadId);
      requireUser(v);
      if (!v.staff && thread.authorId !== v.userId) throw new ForbiddenError('not_author', 'Only the thread’s author or an instructor can change its tags.').tr('errors:not_author_tags');
      const chosen = new Set(((await deps.tags.ofThreads([thread.id])).get(thread.id) ?? []).map((t) => t.id));
      return { space, thread, tags: await deps.tags.list(v.contextId, space.id), chosen };
    },

    /** Replaces the thread's tags; `tagged` is recorded for each newly applied one. */
    async setThreadTags(launch: LaunchContext, threadId: string, tagIds: string[]): Promise<void> {
      const v = viewerOf(launch);
      const { thread, space } = await loadThread(deps, v, threadId);
      requireUser(v);
      if (!v.staff && thread.authorId !== v.userId) throw new ForbiddenError('not_author', 'Only the thread’s author or an instructor can change its tags.').tr('errors:not_author_tags');
      if (thread.locked && !v.staff) throw new ForbiddenError('thread_locked', 'This thread is locked: its tags can no longer be changed.').tr('errors:locked_tags');
      const tags = await tagsFor(deps.tags, v.contextId, space.id, tagIds);
      const now = deps.clock.now();
      await deps.tags.replace(thread.id, tags.map((t) => t.id), now, (trx, added) => recordTagsIn(deps.xapi, launch, trx, now, space, thread, tags.filter((t) => added.includes(t.id))));
    },
  };

  async function staffTag(launch: LaunchContext, spaceId: string, tagId: string): Promise<{ space: Space; tag: Tag }> {
    const v = viewerOf(launch);
    const space = await loadSpace(deps, v, spaceId);
    const tag = await deps.tags.get(v.contextId, tagId);
    if (!tag || tag.spaceId !== space.id) throw new NotFoundError('This tag does not exist in this space.').tr('errors:no_tag');
    requireStaff(v);
    return { space, tag };
  }
}

export type TagService = ReturnType<typeof createTagService>;
