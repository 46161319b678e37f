import type { LaunchContext } from '../lti/launch-context.js';
import type { Space } from '../spaces/space-store.js';
import { AppError, NotFoundError } from '../web/errors.js';
import type { Post, PostRevision, Thread } from './discussion-model.js';
import type { EditInput, ReplyInput } from './discussion-input.js';
import { assertCanAccept, assertCanChooseAnswer, assertCanDelete, assertCanEdit, assertCanEndorse, assertCanReact, assertCanReply, canSeeHistory, requireStaff, requireUser, viewerOf, type Viewer } from './discussion-policy.js';
import { REACTION } from './discussion-model.js';
import { recordIn, spaceRef, threadRef } from './discussion-xapi.js';
import { RENDER_VERSION, renderMarkdown } from './markdown.js';
import { postView, VISIBLE_LEVELS, type PostView } from './post-view.js';
import { DEFAULT_PAGE_SIZE, loadThread, loadVisiblePost, type DiscussionDeps } from './thread-service.js';
import { assertCanPostNow, canSeePromptPost } from '../spaces/space-policy.js';
import { applyAnonymity } from '../spaces/anonymity.js';
import type { Db } from '../db/knex.js';
import { both, renderBody } from '../mentions/mention-hooks.js';

/**
 * Nesting stops here: a reply to a post this deep becomes its sibling. Keeps trees (and "show
 * more" chains) bounded whatever a client sends.
 */
export const MAX_DEPTH = 24;

/** Where a post is shown: a page of its thread, or (below the visible levels) under `focusId`. */
export interface PostLocation {
  threadId: string;
  postId: string;
  page: number;
  focusId: string | null;
}

export interface PostContext {
  space: Space;
  thread: Thread;
  post: Post;
  view: PostView;
  isOpening: boolean;
}

export interface RevisionView {
  id: string;
  title: string | null;
  html: string;
  writtenAt: number;
  replacedAt: number;
}

export function createPostService(deps: DiscussionDeps) {
  const size = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  /** Post + thread + space, all scoped by the viewer's course: anything else is a 404. */
  async function load(v: Viewer, postId: string): Promise<{ post: Post; thread: Thread; space: Space }> {
    return loadVisiblePost(deps, v, postId);
  }

  async function locate(post: Post): Promise<PostLocation> {
    if (post.depth === 0) return { threadId: post.threadId, postId: post.id, page: 1, focusId: null };
    const index = await deps.posts.branchIndex(post.threadId, post.branchId ?? post.id);
    const page = Math.floor(index / size.replies) + 1;
    // Deeper than a page shows: show it under its parent, as "show more" would.
    const focusId = post.depth > VISIBLE_LEVELS ? post.parentId : null;
    return { threadId: post.threadId, postId: post.id, page, focusId };
  }

  /** A learner's (or anyone's) one answer to a prompt: a depth-1 post, its prompt_answers row and its statement, in one transaction. */
  async function answer(launch: LaunchContext, v: Viewer, thread: Thread, space: Space, opening: Post, input: ReplyInput): Promise<{ post: Post; location: PostLocation }> {
    const authorId = requireUser(v);
    const prompts = deps.prompts;
    if (!prompts) throw new Error('prompt threads need a prompt store');
    const already = await prompts.answerOf(thread.id, authorId);
    const twice = () => new AppError(409, 'already_answered', 'You have already answered this prompt: each person gives one answer.', 'Edit your answer instead.').tr('errors:already_answered');
    if (already) throw twice();
    const now = deps.clock.now();
    const statement = recordIn(deps.xapi, launch, ({ postId }: { postId: string }) => ({
      kind: 'prompt_answered',
      id: postId,
      at: now,
      space: spaceRef(space),
      prompt: { id: thread.id, text: thread.title },
      post: { id: postId },
      text: input.body,
    }));
    try {
      const post = await deps.posts.addReply(
        { threadId: thread.id, parent: { id: opening.id, depth: opening.depth, branchId: opening.branchId }, authorId },
        { bodyMarkdown: input.body, bodyHtml: renderMarkdown(input.body), renderVersion: RENDER_VERSION },
        now,
        async (trx: Db, written: { postId: string }) => {
          await prompts.recordAnswer(trx, { threadId: thread.id, userId: authorId, postId: written.postId, now });
          if (statement) await statement(trx, written);
          // The answer that completes the prep rule records "prep completed" in its own transaction.
          await deps.journey?.prepIn(launch, space, authorId, now)(trx, written);
        },
      );
      return { post, location: await locate(post) };
    } catch (e) {
      // Two answers racing: the primary key kept one; the other is told what happened.
      if ((await prompts.answerOf(thread.id, authorId)) !== null) throw twice();
      throw e;
    }
  }

  return {
    /** Replies to `parentPostId`, or to the opening post (a reply to the thread) when it is null. */
    async reply(launch: LaunchContext, threadId: string, input: ReplyInput): Promise<{ post: Post; location: PostLocation }> {
      const v = viewerOf(launch);
      const { thread, space } = await loadThread(deps, v, threadId);
      let parent = input.parentPostId ? (await load(v, input.parentPostId).catch(() => null))?.post : await deps.posts.opening(thread.id);
      if (!parent || parent.threadId !== thread.id) throw new NotFoundError('The post you replied to does not exist in this thread.').tr('errors:no_parent');
      assertCanReply(v, thread, parent);
      assertCanPostNow(v, space, deps.clock.now());
      // A reply to the prompt itself is an answer: one per person, recorded as `answered`.
      if (thread.kind === 'prompt' && parent.depth === 0) return answer(launch, v, thread, space, parent, input);
      if (parent.depth >= MAX_DEPTH && parent.parentId) {
        const up = await deps.posts.get(v.contextId, parent.parentId);
        if (up) parent = up;
      }
      const authorId = requireUser(v);
      const now = deps.clock.now();
      await deps.limits?.check('post', { userId: authorId, staff: v.staff }, now);
      // Mentions resolve against this course's people; they, and the author of the post answered, are notified in the reply's transaction.
      const body = await renderBody(deps.mentions, v.contextId, input.body);
      const post = await deps.posts.addReply(
        { threadId: thread.id, parent: { id: parent.id, depth: parent.depth, branchId: parent.branchId }, authorId },
        { bodyMarkdown: body.bodyMarkdown, bodyHtml: body.bodyHtml, renderVersion: body.renderVersion },
        now,
        // A reply to a reply is still a reply in the thread: the thread is its parent activity.
        both(
          both(deps.mentions?.notifyIn(launch, { space, thread, repliedToAuthorId: parent.authorId, mentioned: body.mentioned }, now), recordIn(deps.xapi, launch, ({ postId }: { postId: string }) => ({
            kind: 'reply_posted',
            id: postId,
            at: now,
            space: spaceRef(space),
            thread: threadRef(thread),
            post: { id: postId },
            text: input.body,
          }))),
          // A reply to a peer can be what completes prep (when the rule asks for peer replies).
          deps.journey?.prepIn(launch, space, authorId, now),
        ),
      );
      return { post, location: await locate(post) };
    },

    /** What a reply form needs when it comes back with an error: the thread and the post replied to. */
    async replyContext(launch: LaunchContext, threadId: string, parentPostId: string | null): Promise<{ space: Space; thread: Thread; parent: PostView }> {
      const v = viewerOf(launch);
      const { thread, space } = await loadThread(deps, v, threadId);
      // Through load(): a post hidden by post-first is as unknown here as anywhere.
      const parent = parentPostId ? ((await load(v, parentPostId).catch(() => null))?.post ?? null) : await deps.posts.opening(thread.id);
      if (!parent || parent.threadId !== thread.id) throw new NotFoundError('The post you replied to does not exist in this thread.').tr('errors:no_parent');
      const view = postView(v, thread, parent);
      await applyAnonymity(deps.anonymity, v, space, [view]);
      return { space, thread, parent: view };
    },

    /** The post to edit, once we know the viewer may edit it. */
    async forEdit(launch: LaunchContext, postId: string): Promise<PostContext> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      assertCanEdit(v, thread, post);
      return { space, thread, post, view: postView(v, thread, post), isOpening: post.depth === 0 };
    },

    /** Keeps the current version in the history and writes the new one. */
    async edit(launch: LaunchContext, postId: string, input: EditInput): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      assertCanEdit(v, thread, post);
      const editorId = requireUser(v);
      const title = post.depth === 0 && input.title !== null ? { previous: thread.title, next: input.title } : undefined;
      const now = deps.clock.now();
      // People newly mentioned by the edit are notified; those already notified of this post are not again.
      const body = await renderBody(deps.mentions, v.contextId, input.body);
      const notify = deps.mentions?.notifyIn(launch, { space, thread, repliedToAuthorId: null, mentioned: body.mentioned }, now);
      const ok = await deps.posts.edit(
        post,
        { bodyMarkdown: body.bodyMarkdown, bodyHtml: body.bodyHtml, renderVersion: body.renderVersion, title },
        editorId,
        now,
        // One statement per edit: its id derives from the revision the edit made. The opening post
        // is the thread's own text, so editing it edits the thread (as posting it posted the thread).
        both(notify && ((trx) => notify(trx, { postId: post.id })), recordIn(deps.xapi, launch, ({ revisionId }: { revisionId: string }) => ({
          kind: 'post_edited',
          id: revisionId,
          at: now,
          space: spaceRef(space),
          thread: threadRef({ ...thread, title: title?.next ?? thread.title }),
          ...(post.depth > 0 ? { post: { id: post.id } } : {}),
          text: input.body,
        }))),
      );
      if (!ok) throw new AppError(409, 'edit_conflict', 'This post changed while you were editing it.', 'Open it again to see the latest version, then make your change.').tr('errors:edit_conflict');
      return locate(post);
    },

    /** Earlier versions, for staff: oldest first, then the current one. */
    async history(launch: LaunchContext, postId: string): Promise<PostContext & { revisions: RevisionView[] }> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      requireStaff(v);
      const revisions: PostRevision[] = canSeeHistory(v, post) ? await deps.posts.revisions(post.id) : [];
      return {
        space,
        thread,
        post,
        view: postView(v, thread, post),
        isOpening: post.depth === 0,
        revisions: revisions.map((r) => ({ id: r.id, title: r.title, html: renderMarkdown(r.bodyMarkdown), writtenAt: r.writtenAt, replacedAt: r.replacedAt })),
      };
    },

    /** Leaves a "deleted" tombstone; replies under it stay where they are. */
    async remove(launch: LaunchContext, postId: string): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      assertCanDelete(v, post);
      const now = deps.clock.now();
      // A post is deleted once (a second delete changes nothing and records nothing), so its id is the act's.
      await deps.posts.tombstone(
        post.id,
        now,
        recordIn(deps.xapi, launch, () => ({
          kind: 'deleted',
          id: post.id,
          at: now,
          space: spaceRef(space),
          thread: threadRef(thread),
          ...(post.depth > 0 ? { post: { id: post.id } } : {}),
        })),
      );
      return locate(post);
    },

    /** Staff: hide a post from everyone else (its replies stay readable), or restore it. */
    async setHidden(launch: LaunchContext, postId: string, hidden: boolean): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post } = await load(v, postId);
      requireStaff(v);
      const by = requireUser(v);
      if (post.deletedAt === null) await deps.posts.setHidden(post.id, hidden ? { at: deps.clock.now(), by } : null);
      return locate(post);
    },

    /**
     * Marks the post "helpful" for the viewer (on: one per user per post), or takes it back. Only
     * adding records xAPI (`liked`, its id from the reaction row, so a re-add after an un-react is
     * a new act); taking it back records nothing (see docs/xapi.md).
     */
    async setReaction(launch: LaunchContext, postId: string, on: boolean): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      const userId = requireUser(v);
      if (on) {
        assertCanReact(v, post);
        const now = deps.clock.now();
        await deps.limits?.check('reaction', { userId, staff: v.staff }, now);
        await deps.posts.react(
          post,
          userId,
          now,
          recordIn(deps.xapi, launch, ({ reactionId }: { reactionId: string }) => ({
            kind: 'reacted',
            id: reactionId,
            at: now,
            space: spaceRef(space),
            thread: threadRef(thread),
            ...(post.depth > 0 ? { post: { id: post.id } } : {}),
            reaction: REACTION,
          })),
        );
      } else {
        // Taking back is always allowed, even once the post is hidden or deleted.
        await deps.posts.unreact(post, userId);
      }
      return locate(post);
    },

    /** Staff: endorse a post ("Endorsed by instructor"), or withdraw the endorsement. */
    async setEndorsed(launch: LaunchContext, postId: string, on: boolean): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      const by = requireUser(v);
      if (on) {
        assertCanEndorse(v, post);
        const now = deps.clock.now();
        // An endorsement starts at `now`: withdrawing it and endorsing again is a new act.
        await deps.posts.setEndorsed(
          post.id,
          { at: now, by },
          both(deps.mentions?.notifyAuthorIn(launch, post, 'endorsed', now), recordIn(deps.xapi, launch, () => ({
            kind: 'endorsed',
            id: JSON.stringify([post.id, now]),
            at: now,
            space: spaceRef(space),
            thread: threadRef(thread),
            ...(post.depth > 0 ? { post: { id: post.id } } : {}),
          }))),
        );
      } else {
        requireStaff(v);
        await deps.posts.setEndorsed(post.id, null);
      }
      return locate(post);
    },

    /**
     * In a question thread, the asker or staff accept a reply as the answer (replacing any other),
     * or clear it. Accepting records `accepted`; accepting the current answer again records nothing.
     */
    async setAccepted(launch: LaunchContext, postId: string, on: boolean): Promise<PostLocation> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      const now = deps.clock.now();
      if (on) {
        assertCanAccept(v, thread, post);
        await deps.threads.setAccepted(
          thread.id,
          post.id,
          now,
          both(deps.mentions?.notifyAuthorIn(launch, post, 'accepted', now), recordIn(deps.xapi, launch, () => ({
            kind: 'answer_accepted',
            id: JSON.stringify([thread.id, post.id, now]),
            at: now,
            space: spaceRef(space),
            thread: threadRef(thread),
            post: { id: post.id },
          }))),
        );
      } else {
        assertCanChooseAnswer(v, thread);
        // Only the current answer can be un-accepted; any other post leaves it as it is.
        if (thread.acceptedPostId === post.id) await deps.threads.setAccepted(thread.id, null, now);
      }
      return locate(post);
    },

    /** One post as the viewer may see it (with whether they found it helpful), and where it is shown. */
    async view(launch: LaunchContext, postId: string): Promise<{ post: PostView; location: PostLocation }> {
      const v = viewerOf(launch);
      const { post, thread, space } = await load(v, postId);
      const view = postView(v, thread, post);
      if (v.userId) view.reactedByMe = (await deps.posts.reactedBy(v.userId, [post.id])).has(post.id);
      // The API shows one post on its own: it is as anonymous there as on the pages.
      await applyAnonymity(deps.anonymity, v, space, [view]);
      return { post: view, location: await locate(post) };
    },

    /** Where a post is shown, for links and redirects. */
    async locate(launch: LaunchContext, postId: string): Promise<PostLocation> {
      const { post } = await load(viewerOf(launch), postId);
      return locate(post);
    },
  };
}

export type PostService = ReturnType<typeof createPostService>;
