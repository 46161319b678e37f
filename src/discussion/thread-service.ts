import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { NotFoundError } from '../web/errors.js';
import type { Post, ReplySort, Thread, ThreadSort } from './discussion-model.js';
import type { ThreadInput } from './discussion-input.js';
import { recordIn, spaceRef, statementOf, viewActId, type DiscussionXapi } from './discussion-xapi.js';
import { requireStaff, requireUser, viewerOf, type Viewer } from './discussion-policy.js';
import { RENDER_VERSION, renderMarkdown } from './markdown.js';
import type { PostStore } from './post-store.js';
import { buildTree, postsIn, postView, VISIBLE_LEVELS, type PostView } from './post-view.js';
import type { ThreadStore } from './thread-store.js';

export interface DiscussionDeps {
  spaces: Pick<SpaceStore, 'get'>;
  threads: ThreadStore;
  posts: PostStore;
  clock: Clock;
  /** Threads per page of a space, and depth-1 replies per page of a thread. */
  pageSize?: { threads: number; replies: number };
  /** Where the acts' xAPI statements go; without it none are recorded. */
  xapi?: DiscussionXapi;
}

export const DEFAULT_PAGE_SIZE = { threads: 20, replies: 20 } as const;

export interface Paging {
  page: number;
  pageCount: number;
}

export interface ThreadListEntry {
  id: string;
  /** Null when a moderator hid the opening post and this viewer is not staff. */
  title: string | null;
  kind: Thread['kind'];
  pinned: boolean;
  locked: boolean;
  hidden: boolean;
  authorName: string | null;
  replyCount: number;
  reactionCount: number;
  answered: boolean;
  createdAt: number;
  lastActivityAt: number;
}

export interface SpacePage extends Paging {
  space: Space;
  sort: ThreadSort;
  threads: ThreadListEntry[];
  threadCount: number;
  canCreate: boolean;
}

export interface ThreadPage extends Paging {
  space: Space;
  thread: Thread & { displayTitle: string | null };
  /** The opening post with this page's replies nested under it. */
  opening: PostView;
  /** In "show more" mode: the post whose replies are shown, with them nested under it. */
  focus: { post: PostView; page: number } | null;
  /** For a question with an accepted answer: that reply, shown above the others. */
  accepted: PostView | null;
  sort: ReplySort;
  can: { reply: boolean; moderate: boolean; chooseAnswer: boolean };
}

const pageCountOf = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));
const clampPage = (page: number, count: number): number => Math.min(Math.max(1, Math.floor(page) || 1), count);

/** Loads what every thread-scoped action needs, scoped by the viewer's course. */
export async function loadThread(deps: Pick<DiscussionDeps, 'spaces' | 'threads'>, v: Viewer, threadId: string): Promise<{ thread: Thread; space: Space }> {
  const thread = await deps.threads.get(v.contextId, threadId);
  const space = thread ? await deps.spaces.get(v.contextId, thread.spaceId) : null;
  if (!thread || !space) throw new NotFoundError('This thread does not exist in this course.');
  return { thread, space };
}

export async function loadSpace(deps: Pick<DiscussionDeps, 'spaces'>, v: Viewer, spaceId: string): Promise<Space> {
  const space = await deps.spaces.get(v.contextId, spaceId);
  if (!space) throw new NotFoundError('This discussion space does not exist in this course.');
  return space;
}

export function createThreadService(deps: DiscussionDeps) {
  const size = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  async function opening(thread: Thread): Promise<Post> {
    const p = await deps.posts.opening(thread.id);
    // A thread is created with its opening post in one transaction; a missing one is a bug.
    if (!p) throw new Error(`thread ${thread.id} has no opening post`);
    return p;
  }

  return {
    /** A space's thread list: pinned first, then most active (or newest). */
    async list(launch: LaunchContext, spaceId: string, opts: { sort: ThreadSort; page: number }): Promise<SpacePage> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      const threadCount = await deps.threads.count(v.contextId, space.id);
      const pageCount = pageCountOf(threadCount, size.threads);
      const page = clampPage(opts.page, pageCount);
      const rows = await deps.threads.list(v.contextId, space.id, { sort: opts.sort, limit: size.threads, offset: (page - 1) * size.threads });
      const threads = rows.map((t) => ({
        id: t.id,
        title: t.openingHidden && !v.staff ? null : t.title,
        kind: t.kind,
        pinned: t.pinned,
        locked: t.locked,
        hidden: t.openingHidden,
        authorName: t.authorName,
        replyCount: t.replyCount,
        reactionCount: t.reactionCount,
        answered: t.acceptedPostId !== null,
        createdAt: t.createdAt,
        lastActivityAt: t.lastActivityAt,
      }));
      return { space, sort: opts.sort, threads, threadCount, page, pageCount, canCreate: v.userId !== null };
    },

    /** The space a new thread would go in, once we know the viewer may start one. */
    async spaceForNewThread(launch: LaunchContext, spaceId: string): Promise<Space> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireUser(v);
      return space;
    },

    async create(launch: LaunchContext, spaceId: string, input: ThreadInput): Promise<Thread> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      const authorId = requireUser(v);
      const now = deps.clock.now();
      const { thread } = await deps.threads.create(
        { spaceId: space.id, authorId, title: input.title, kind: input.kind },
        { bodyMarkdown: input.body, bodyHtml: renderMarkdown(input.body), renderVersion: RENDER_VERSION },
        now,
        // `posted` (or `asked`, for a question thread), with the opening text as the response.
        recordIn(deps.xapi, launch, ({ threadId }: { threadId: string }) => ({
          kind: 'thread_created',
          id: threadId,
          at: now,
          space: spaceRef(space),
          thread: { id: threadId, title: input.title, kind: input.kind },
          text: input.body,
        })),
      );
      return thread;
    },

    /**
     * Records that a named user opened the space page (`viewed`). At most one statement per user,
     * space and clock hour: the statement id derives from that window (viewActId), so reloads,
     * paging and re-sorting collapse into the first view. Anonymous viewers record nothing.
     */
    async recordView(launch: LaunchContext, space: Space): Promise<void> {
      if (!deps.xapi || !launch.user) return;
      const now = deps.clock.now();
      const s = statementOf(deps.xapi, launch, { kind: 'space_viewed', id: viewActId(space.id, launch.user.id, now), at: now, space: spaceRef(space) });
      // A view writes nothing but its statement, so the statement is the whole act.
      if (s) await deps.xapi.enqueueAlone([s], launch.platform.id);
    },

    /**
     * A page of the thread: the opening post and a page of its replies (each branch down to
     * VISIBLE_LEVELS), or with `focusId` the replies under that post ("show more").
     */
    async view(launch: LaunchContext, threadId: string, opts: { page: number; focusId?: string | null; sort?: ReplySort }): Promise<ThreadPage> {
      const sort = opts.sort ?? 'oldest';
      const v = viewerOf(launch);
      const { thread, space } = await loadThread(deps, v, threadId);
      const open = await opening(thread);
      const replies = await deps.posts.countDepthOne(thread.id);
      const pageCount = pageCountOf(replies, size.replies);
      let page = clampPage(opts.page, pageCount);
      let tree: PostView;
      let focus: ThreadPage['focus'] = null;
      const focusPost = opts.focusId ? await deps.posts.get(v.contextId, opts.focusId) : null;
      if (opts.focusId && (!focusPost || focusPost.threadId !== thread.id)) throw new NotFoundError('This post does not exist in this thread.');
      if (focusPost && focusPost.depth > 0) {
        const sub = await deps.posts.subtree(focusPost, focusPost.depth + VISIBLE_LEVELS + 1);
        page = Math.floor((await deps.posts.branchIndex(thread.id, focusPost.branchId ?? focusPost.id)) / size.replies) + 1;
        focus = { post: buildTree(v, thread, focusPost, sub), page };
        tree = buildTree(v, thread, open, []);
      } else {
        const { posts } = await deps.posts.page(thread.id, { limit: size.replies, offset: (page - 1) * size.replies, maxDepth: VISIBLE_LEVELS + 1, order: sort });
        tree = buildTree(v, thread, open, posts);
      }
      const acceptedPost = thread.acceptedPostId ? await deps.posts.get(v.contextId, thread.acceptedPostId) : null;
      // A deleted answer is no answer to show on top (it keeps its tombstone among the replies).
      const accepted = acceptedPost && acceptedPost.threadId === thread.id && acceptedPost.deletedAt === null ? postView(v, thread, acceptedPost) : null;
      // Which of the shown posts this viewer found helpful: one query for the page.
      const shown = [...postsIn(tree), ...(focus ? postsIn(focus.post) : []), ...(accepted ? [accepted] : [])];
      if (v.userId) {
        const mine = await deps.posts.reactedBy(
          v.userId,
          shown.map((p) => p.id),
        );
        for (const p of shown) p.reactedByMe = mine.has(p.id);
      }
      return {
        accepted,
        sort,
        space,
        thread: { ...thread, displayTitle: tree.state === 'hidden' && !v.staff ? null : thread.title },
        opening: tree,
        focus,
        page,
        pageCount,
        can: { reply: tree.can.reply, moderate: v.staff, chooseAnswer: thread.kind === 'question' && v.userId !== null && (v.staff || thread.authorId === v.userId) },
      };
    },

    async setPinned(launch: LaunchContext, threadId: string, pinned: boolean): Promise<Thread> {
      const v = viewerOf(launch);
      const { thread } = await loadThread(deps, v, threadId);
      requireStaff(v);
      await deps.threads.setFlags(thread.id, { pinned }, deps.clock.now());
      return { ...thread, pinned };
    },

    async setLocked(launch: LaunchContext, threadId: string, locked: boolean): Promise<Thread> {
      const v = viewerOf(launch);
      const { thread } = await loadThread(deps, v, threadId);
      requireStaff(v);
      await deps.threads.setFlags(thread.id, { locked }, deps.clock.now());
      return { ...thread, locked };
    },
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
