import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { NotFoundError } from '../web/errors.js';
import type { Post, ReplySort, Thread, ThreadSort } from './discussion-model.js';
import type { ThreadInput } from './discussion-input.js';
import { recordIn, spaceRef, statementOf, viewActId, type DiscussionXapi } from './discussion-xapi.js';
import { requireStaff, requireUser, viewerOf, type Viewer } from './discussion-policy.js';
import type { PostStore } from './post-store.js';
import { buildTree, postsIn, postView, VISIBLE_LEVELS, type PostView } from './post-view.js';
import type { InTransaction, ThreadStore } from './thread-store.js';
import type { Material, PromptStore, PromptSummary } from '../spaces/prompt-store.js';
import { applyAnonymity, type AnonymityStore } from '../spaces/anonymity.js';
import { assertCanPostNow, canPostNow, canSeePeerAnswers, canSeePromptPost, postingState, type PostingState } from '../spaces/space-policy.js';
import type { WriteLimiter } from '../curation/rate-limits.js';
import type { Tag, TagStore } from '../curation/tag-store.js';
import { recordTagsIn, tagsFor } from '../curation/tag-service.js';
import { both, renderBody, type MentionHooks } from '../mentions/mention-hooks.js';

export interface DiscussionDeps {
  spaces: Pick<SpaceStore, 'get'>;
  threads: ThreadStore;
  posts: PostStore;
  clock: Clock;
  /** Threads per page of a space, and depth-1 replies per page of a thread. */
  pageSize?: { threads: number; replies: number };
  /** Where the acts' xAPI statements go; without it none are recorded. */
  xapi?: DiscussionXapi;
  /** Prep prompts (spaces/prompt-store.ts): without it a space has none. */
  prompts?: Pick<PromptStore, 'list' | 'answerOf' | 'countAnswers' | 'recordAnswer' | 'details'>;
  /** Pseudonyms for anonymity 'peers' (spaces/anonymity.ts): without it names always show. */
  anonymity?: AnonymityStore;
  /** Per-user write rate limits (curation/rate-limits.ts); without it, none. */
  limits?: WriteLimiter;
  /** Space tags (curation/tag-store.ts): chips, the ?tag= filter, tags picked on a new thread. */
  tags?: TagStore;
  /** @mentions and notifications (src/mentions); without it posts render plain and notify nobody. */
  mentions?: MentionHooks;
  /** Journey (src/journey): checks prep completion inside an answer's or reply's transaction; without it, none. */
  journey?: { prepIn(launch: LaunchContext, space: Space, userId: string, now: number): InTransaction<unknown> };
}

/** One viewer's view of a prompt thread: their answer, everyone's count, and whether peers' answers are withheld. */
export interface PromptState {
  myAnswerId: string | null;
  answerCount: number;
  /** Post-first: this viewer has not answered yet, so peers' answers are not in the page. */
  peersHidden: boolean;
  canAnswer: boolean;
  required: boolean;
  materials: Material[];
}

export const DEFAULT_PAGE_SIZE = { threads: 20, replies: 20 } as const;

export interface Paging {
  page: number;
  pageCount: number;
  /** Items a full page holds (threads, or depth-1 replies). */
  pageSize: number;
}

export interface ThreadListEntry {
  id: string;
  /** Null when a moderator hid the opening post and this viewer is not staff. */
  title: string | null;
  kind: Thread['kind'];
  pinned: boolean;
  locked: boolean;
  hidden: boolean;
  authorId: string | null;
  authorName: string | null;
  pseudonym?: number | null;
  anonymousToPeers?: boolean;
  replyCount: number;
  reactionCount: number;
  answered: boolean;
  createdAt: number;
  lastActivityAt: number;
  tags: Tag[];
}

export interface SpacePage extends Paging {
  space: Space;
  sort: ThreadSort;
  /** The tag the list is filtered by, if any. */
  tag: Tag | null;
  threads: ThreadListEntry[];
  threadCount: number;
  canCreate: boolean;
  /** Whether learners may post now (the page says why not). */
  posting: PostingState;
  /** The space's prompts in order, with this viewer's status. */
  prompts: PromptSummary[];
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
  /** Depth-1 replies over all pages (what the pages count). */
  replyTotal: number;
  posting: PostingState;
  /** Set for a prompt thread. */
  prompt: PromptState | null;
  tags: Tag[];
}

/** Turns off the write actions the space's posting window (or a read-only role) rules out, all through a tree. */
function restrictWrites(v: Viewer, space: Space, now: number, tree: PostView): void {
  const readOnly = v.readOnly === true;
  const mayPost = canPostNow(v, space, now);
  if (mayPost && !readOnly) return;
  for (const p of postsIn(tree)) {
    p.can.reply = false;
    if (readOnly) p.can = { reply: false, edit: false, delete: false, hide: false, restore: false, history: false, react: false, endorse: false, accept: false };
  }
}

const pageCountOf = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));
const clampPage = (page: number, count: number): number => Math.min(Math.max(1, Math.floor(page) || 1), count);

/** Loads what every thread-scoped action needs, scoped by the viewer's course. */
export async function loadThread(deps: Pick<DiscussionDeps, 'spaces' | 'threads'>, v: Viewer, threadId: string): Promise<{ thread: Thread; space: Space }> {
  const thread = await deps.threads.get(v.contextId, threadId);
  const space = thread ? await deps.spaces.get(v.contextId, thread.spaceId) : null;
  if (!thread || !space) throw new NotFoundError('This thread does not exist in this course.').tr('errors:no_thread');
  return { thread, space };
}

/**
 * A post, its thread and space, scoped by the viewer's course; anything else is a 404. Post-first:
 * a peer's answer this learner may not read yet is, for them, not there at all (the same 404 as
 * an unknown id), whichever route asks (post pages, flags, the API).
 */
export async function loadVisiblePost(
  deps: Pick<DiscussionDeps, 'spaces' | 'threads'> & { posts: Pick<PostStore, 'get'>; prompts?: Pick<PromptStore, 'answerOf'> },
  v: Viewer,
  postId: string): Promise<{ post: Post; thread: Thread; space: Space }> {
  const post = await deps.posts.get(v.contextId, postId);
  if (!post) throw new NotFoundError('This post does not exist in this course.').tr('errors:no_post');
  const { thread, space } = await loadThread(deps, v, post.threadId);
  if (thread.kind === 'prompt' && post.depth > 0) {
    const answered = v.userId !== null && deps.prompts ? (await deps.prompts.answerOf(thread.id, v.userId)) !== null : false;
    if (!canSeePromptPost(v, space, thread, post, answered)) throw new NotFoundError('This post does not exist in this course.').tr('errors:no_post');
  }
  return { post, thread, space };
}

export async function loadSpace(deps: Pick<DiscussionDeps, 'spaces'>, v: Viewer, spaceId: string): Promise<Space> {
  const space = await deps.spaces.get(v.contextId, spaceId);
  if (!space) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
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
    async list(launch: LaunchContext, spaceId: string, opts: { sort: ThreadSort; page: number; tagId?: string | null }): Promise<SpacePage> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      // A tag from another space or course is as unknown as its id would be: 404.
      const tag = opts.tagId ? ((await deps.tags?.get(v.contextId, opts.tagId)) ?? null) : null;
      if (opts.tagId && (!tag || tag.spaceId !== space.id)) throw new NotFoundError('This tag does not exist in this space.').tr('errors:no_tag');
      const tagId = tag?.id ?? null;
      const threadCount = await deps.threads.count(v.contextId, space.id, tagId);
      const pageCount = pageCountOf(threadCount, size.threads);
      const page = clampPage(opts.page, pageCount);
      const rows = await deps.threads.list(v.contextId, space.id, { sort: opts.sort, limit: size.threads, offset: (page - 1) * size.threads, tagId });
      const tagsOf = deps.tags ? await deps.tags.ofThreads(rows.map((t) => t.id)) : new Map<string, Tag[]>();
      const threads = rows.map((t) => ({
        id: t.id,
        title: t.openingHidden && !v.staff ? null : t.title,
        kind: t.kind,
        pinned: t.pinned,
        locked: t.locked,
        hidden: t.openingHidden,
        authorId: t.authorId,
        authorName: t.authorName,
        replyCount: t.replyCount,
        reactionCount: t.reactionCount,
        answered: t.acceptedPostId !== null,
        createdAt: t.createdAt,
        lastActivityAt: t.lastActivityAt,
        tags: tagsOf.get(t.id) ?? [],
      }));
      const prompts = deps.prompts ? await deps.prompts.list(space.id, v.userId) : [];
      await applyAnonymity(deps.anonymity, v, space, threads);
      return { space, sort: opts.sort, tag, threads, threadCount, page, pageCount, pageSize: size.threads, canCreate: canPostNow(v, space, deps.clock.now()), posting: postingState(space, deps.clock.now()), prompts };
    },

    /** The space a new thread would go in, once we know the viewer may start one. */
    async spaceForNewThread(launch: LaunchContext, spaceId: string): Promise<Space> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireUser(v);
      assertCanPostNow(v, space, deps.clock.now());
      return space;
    },

    async create(launch: LaunchContext, spaceId: string, input: ThreadInput): Promise<Thread> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      const authorId = requireUser(v);
      const now = deps.clock.now();
      assertCanPostNow(v, space, now);
      await deps.limits?.check('post', { userId: authorId, staff: v.staff }, now);
      const tags = deps.tags ? await tagsFor(deps.tags, v.contextId, space.id, input.tagIds ?? []) : [];
      const recordCreated = recordIn(deps.xapi, launch, ({ threadId }: { threadId: string }) => ({
        kind: 'thread_created',
        id: threadId,
        at: now,
        space: spaceRef(space),
        thread: { id: threadId, title: input.title, kind: input.kind },
        text: input.body,
      }));
      // The opening post's mentions notify people in the thread's own transaction, once it has its ids.
      const body = await renderBody(deps.mentions, v.contextId, input.body);
      const notify = deps.mentions?.notifyIn(launch, { space, thread: { id: '', title: input.title, kind: input.kind }, repliedToAuthorId: null, mentioned: body.mentioned }, now);
      const { thread } = await deps.threads.create(
        { spaceId: space.id, authorId, title: input.title, kind: input.kind },
        { bodyMarkdown: body.bodyMarkdown, bodyHtml: body.bodyHtml, renderVersion: body.renderVersion },
        now,
        // `posted` (or `asked`, for a question thread), with the opening text as the response;
        // the tags picked go on in the same transaction, each with its `tagged` statement; the
        // opening post's mentions notify people in it too.
        both(
          notify && ((trx, w: { threadId: string; openingId: string }) => notify(trx, { postId: w.openingId, threadId: w.threadId })),
          tags.length === 0
            ? recordCreated
            : async (trx, written: { threadId: string; openingId: string }) => {
                await recordCreated?.(trx, written);
                await deps.tags!.applyIn(trx, written.threadId, tags.map((t) => t.id), now);
                await recordTagsIn(deps.xapi, launch, trx, now, space, { id: written.threadId, title: input.title, kind: input.kind }, tags);
              },
        ),
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
      const now = deps.clock.now();
      // Post-first (spaces/space-policy.ts): until this learner answers, peers' answers stay out of the page.
      let prompt: PromptState | null = null;
      if (thread.kind === 'prompt') {
        const myAnswerId = v.userId && deps.prompts ? await deps.prompts.answerOf(thread.id, v.userId) : null;
        const peersHidden = !canSeePeerAnswers(v, space, thread, myAnswerId !== null);
        const answerCount = deps.prompts ? await deps.prompts.countAnswers(thread.id) : 0;
        const details = deps.prompts ? await deps.prompts.details(thread.id) : null;
        prompt = {
          myAnswerId,
          answerCount,
          peersHidden,
          canAnswer: myAnswerId === null && !thread.locked && canPostNow(v, space, now),
          required: details?.required ?? false,
          materials: details?.materials ?? [],
        };
      }
      if (prompt?.peersHidden) {
        if (opts.focusId && opts.focusId !== open.id) throw new NotFoundError('This post does not exist in this thread.').tr('errors:no_post_in_thread');
        const tree = buildTree(v, thread, open, []);
        restrictWrites(v, space, now, tree);
        tree.can.reply = prompt.canAnswer;
        await applyAnonymity(deps.anonymity, v, space, [tree]);
        return {
          accepted: null,
          sort,
          space,
          thread: { ...thread, displayTitle: thread.title },
          opening: tree,
          focus: null,
          page: 1,
          pageCount: 1,
          pageSize: size.replies,
          // Peers' answers are not on this page, so none are counted for paging.
          replyTotal: 0,
          can: { reply: prompt.canAnswer, moderate: v.staff, chooseAnswer: false },
          tags: [],
          posting: postingState(space, now),
          prompt,
        };
      }
      const replies = await deps.posts.countDepthOne(thread.id);
      const pageCount = pageCountOf(replies, size.replies);
      let page = clampPage(opts.page, pageCount);
      let tree: PostView;
      let focus: ThreadPage['focus'] = null;
      const focusPost = opts.focusId ? await deps.posts.get(v.contextId, opts.focusId) : null;
      if (opts.focusId && (!focusPost || focusPost.threadId !== thread.id)) throw new NotFoundError('This post does not exist in this thread.').tr('errors:no_post_in_thread');
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
      await applyAnonymity(deps.anonymity, v, space, shown);
      restrictWrites(v, space, now, tree);
      if (focus) restrictWrites(v, space, now, focus.post);
      if (accepted) restrictWrites(v, space, now, accepted);
      // A prompt takes one answer per person: the form is for those who have none yet.
      if (prompt) tree.can.reply = prompt.canAnswer;
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
        pageSize: size.replies,
        replyTotal: replies,
        can: { reply: tree.can.reply, moderate: v.staff, chooseAnswer: thread.kind === 'question' && v.userId !== null && !v.readOnly && (v.staff || thread.authorId === v.userId) },
        posting: postingState(space, now),
        prompt,
        tags: deps.tags ? ((await deps.tags.ofThreads([thread.id])).get(thread.id) ?? []) : [],
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
