import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { AppError, ForbiddenError, NotFoundError } from '../web/errors.js';
import { postState, requireStaff, requireUser, viewerOf, type Viewer } from '../discussion/discussion-policy.js';
import { recordIn, spaceRef, threadRef, type DiscussionXapi } from '../discussion/discussion-xapi.js';
import type { Post, Thread } from '../discussion/discussion-model.js';
import type { PostStore } from '../discussion/post-store.js';
import type { ThreadStore } from '../discussion/thread-store.js';
import { htmlOf } from '../discussion/post-view.js';
import { loadSpace, loadVisiblePost } from '../discussion/thread-service.js';
import { applyAnonymity, type AnonymityStore } from '../spaces/anonymity.js';
import type { PromptStore } from '../spaces/prompt-store.js';
import type { FlagOnPost, FlagReason, FlagStore, ModerationAction } from './flag-store.js';
import type { WriteLimiter } from './rate-limits.js';
import type { RankedPost, RankingStore } from './ranking-store.js';

export interface CurationDeps {
  spaces: Pick<SpaceStore, 'get'>;
  threads: ThreadStore;
  posts: Pick<PostStore, 'get'>;
  flags: FlagStore;
  ranking?: RankingStore;
  clock: Clock;
  limits?: WriteLimiter;
  xapi?: DiscussionXapi;
  pageSize?: number;
  /** Post-first (spaces/prompt-store.ts): peers' answers a learner may not read yet can't be flagged either. */
  prompts?: Pick<PromptStore, 'answerOf'>;
  /** Pseudonyms for spaces with anonymity to peers. */
  anonymity?: AnonymityStore;
}

export interface FlagInput {
  reason: FlagReason;
  note: string | null;
}

/** One flagged post in the queue, its flags grouped: the reasons and notes, never who flagged. */
export interface QueueEntry {
  postId: string;
  threadId: string;
  threadTitle: string;
  threadLocked: boolean;
  isOpening: boolean;
  authorName: string | null;
  excerpt: string;
  state: 'visible' | 'hidden' | 'deleted';
  count: number;
  reasons: Partial<Record<FlagReason, number>>;
  notes: string[];
  firstAt: number;
  lastAt: number;
}

export interface HistoryEntry {
  postId: string;
  threadId: string;
  threadTitle: string;
  excerpt: string;
  reason: FlagReason;
  resolution: string;
  resolvedAt: number;
  resolvedByName: string | null;
  hidden: boolean;
}

export interface UsefulPage {
  space: Space;
  posts: Array<Omit<RankedPost, 'bodyHtml' | 'bodyMarkdown' | 'renderVersion'> & { html: string }>;
  page: number;
  pageCount: number;
  total: number;
}

const EXCERPT = 240;
export const excerptOf = (markdown: string): string => {
  const flat = markdown.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT - 1)}…` : flat;
};

export function createCurationService(deps: CurationDeps) {
  const size = deps.pageSize ?? 20;

  async function load(v: Viewer, postId: string): Promise<{ post: Post; thread: Thread; space: Space }> {
    // The same loader as the post pages: post-first hides a peer's answer here too (404).
    return loadVisiblePost(deps, v, postId);
  }

  return {
    /** What the flag form needs: the post, once we know the viewer may flag it. */
    async forFlag(launch: LaunchContext, postId: string): Promise<{ post: Post; thread: Thread; space: Space; html: string }> {
      const v = viewerOf(launch);
      const ctx = await load(v, postId);
      assertCanFlag(v, ctx.post);
      return { ...ctx, html: htmlOf(ctx.post) };
    },

    /** Raises a flag; false when this viewer already has one open on the post (a no-op). */
    async flag(launch: LaunchContext, postId: string, input: FlagInput): Promise<{ added: boolean; post: Post }> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      const userId = requireUser(v);
      assertCanFlag(v, post);
      const now = deps.clock.now();
      await deps.limits?.check('flag', { userId, staff: v.staff }, now);
      const added = await deps.flags.add(
        { postId: post.id, userId, reason: input.reason, note: input.note },
        now,
        // `flagged`, with the reason (never the note: it may name people) as an extension.
        recordIn(deps.xapi, launch, ({ flagId }: { flagId: string }) => ({
          kind: 'flagged',
          id: flagId,
          at: now,
          space: spaceRef(space),
          thread: threadRef(thread),
          ...(post.depth > 0 ? { post: { id: post.id } } : {}),
          reason: input.reason,
        })),
      );
      return { added, post };
    },

    /** Staff: the space's open flags grouped by post (most recently flagged first) and the resolved history. */
    async queue(launch: LaunchContext, spaceId: string): Promise<{ space: Space; open: QueueEntry[]; history: HistoryEntry[] }> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireStaff(v);
      const open = await deps.flags.inSpace(v.contextId, space.id, { open: true, limit: 1000 });
      const byPost = new Map<string, QueueEntry>();
      for (const f of open) {
        let e = byPost.get(f.postId);
        if (!e) {
          e = { postId: f.postId, threadId: f.threadId, threadTitle: f.threadTitle, threadLocked: f.threadLocked, isOpening: f.postDepth === 0, authorName: f.postAuthorName, excerpt: excerptOf(f.postMarkdown), state: stateOf(f), count: 0, reasons: {}, notes: [], firstAt: f.createdAt, lastAt: f.createdAt };
          byPost.set(f.postId, e);
        }
        e.count++;
        e.reasons[f.reason] = (e.reasons[f.reason] ?? 0) + 1;
        if (f.note) e.notes.push(f.note);
        e.firstAt = Math.min(e.firstAt, f.createdAt);
        e.lastAt = Math.max(e.lastAt, f.createdAt);
      }
      const resolved = await deps.flags.inSpace(v.contextId, space.id, { open: false, limit: 100 });
      const history = resolved.map((f) => ({
        postId: f.postId,
        threadId: f.threadId,
        threadTitle: f.threadTitle,
        excerpt: excerptOf(f.postMarkdown),
        reason: f.reason,
        resolution: f.resolution ?? 'dismissed',
        resolvedAt: f.resolvedAt!,
        resolvedByName: f.resolvedByName,
        hidden: f.postHiddenAt !== null && f.postDeletedAt === null,
      }));
      return { space, open: [...byPost.values()], history };
    },

    /** Staff: hide, restore, lock the thread or dismiss; each resolves the post's open flags. */
    async moderate(launch: LaunchContext, spaceId: string, postId: string, action: ModerationAction): Promise<{ space: Space; resolved: number }> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      const { post, thread } = await load(v, postId);
      // The post must be in the space the queue is for: another space's id is as unknown as another course's.
      if (thread.spaceId !== space.id) throw new NotFoundError('This post does not exist in this space.').tr('errors:no_post_in_space');
      requireStaff(v);
      const by = requireUser(v);
      if ((action === 'hide' || action === 'restore') && post.deletedAt !== null) throw new AppError(409, 'post_unavailable', 'Its author deleted this post, so there is nothing to hide or restore.', 'Dismiss the flags instead.').tr('errors:gone_moderate');
      const resolved = await deps.flags.moderate({ id: post.id, threadId: thread.id }, action, by, deps.clock.now());
      return { space, resolved };
    },

    /** Open flags in the space for the staff badge; null for learners, who never see flag counts. */
    async openCount(launch: LaunchContext, spaceId: string): Promise<number | null> {
      const v = viewerOf(launch);
      if (!v.staff) return null;
      return deps.flags.openCount(v.contextId, spaceId);
    },

    /** The space's most useful posts (ranking-store.ts documents the score), optionally one tag's. */
    async mostUseful(launch: LaunchContext, spaceId: string, opts: { page: number; tagId?: string | null }): Promise<UsefulPage> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      if (!deps.ranking) throw new Error('ranking store not configured');
      const total = await deps.ranking.countUseful(v.contextId, space.id, { tagId: opts.tagId ?? null, viewer: v });
      const pageCount = Math.max(1, Math.ceil(total / size));
      const page = Math.min(Math.max(1, Math.floor(opts.page) || 1), pageCount);
      const rows = await deps.ranking.mostUseful(v.contextId, space.id, { limit: size, offset: (page - 1) * size, tagId: opts.tagId ?? null, viewer: v });
      const posts = rows.map(({ bodyHtml, bodyMarkdown, renderVersion, ...r }) => ({ ...r, pseudonym: null as number | null, anonymousToPeers: false, html: htmlOf({ bodyHtml, bodyMarkdown, renderVersion }) }));
      // Names as every page prints them in a space with anonymity to peers.
      await applyAnonymity(deps.anonymity, v, space, posts);
      return { space, posts, page, pageCount, total };
    },
  };
}

export type CurationService = ReturnType<typeof createCurationService>;

function stateOf(f: FlagOnPost): QueueEntry['state'] {
  return postState({ deletedAt: f.postDeletedAt, hiddenAt: f.postHiddenAt });
}

/** Any named participant flags a visible post that is not their own. */
export function assertCanFlag(v: Viewer, p: Post): void {
  requireUser(v);
  if (p.authorId === v.userId) throw new ForbiddenError('own_post', 'You cannot flag your own post.', 'Edit or delete it instead.').tr('errors:own_post_flag');
  if (postState(p) !== 'visible') throw new AppError(409, 'post_unavailable', 'That post was deleted or hidden, so it cannot be flagged.').tr('errors:gone_flag');
}
