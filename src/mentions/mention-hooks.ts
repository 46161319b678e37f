import type { Db } from '../db/knex.js';
import type { RenderedBody, Thread } from '../discussion/discussion-model.js';
import { statementOf, spaceRef, threadRef, type DiscussionXapi } from '../discussion/discussion-xapi.js';
import { RENDER_VERSION, renderMarkdown } from '../discussion/markdown.js';
import type { InTransaction } from '../discussion/thread-store.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space } from '../spaces/space-store.js';
import { renderWithMentions, type Person } from './mention-parse.js';
import type { NewNotification, NotificationStore } from './notification-store.js';
import type { PeopleStore } from './people-store.js';

/** A rendered body and the course members it mentions. */
export interface MentionBody extends RenderedBody {
  mentioned: Person[];
}

/** Who learns of a new post: the author of the post it answers, and whoever it mentions. */
export interface PostAudience {
  space: Space;
  thread: Pick<Thread, 'id' | 'title' | 'kind'>;
  /** The author of the post replied to; null for a new thread or an edit. */
  repliedToAuthorId: string | null;
  mentioned: Person[];
}

/**
 * What the discussion services call so posts carry mentions and notify people: render the body
 * against the course's members, then, inside the post's own transaction, write notifications and
 * one xAPI `mentioned` statement per person. Optional in DiscussionDeps: without it posts render
 * as before and nobody is notified.
 */
export interface MentionHooks {
  render(contextId: string, markdown: string): Promise<MentionBody>;
  /** `threadId` is given when the thread is new too (its id is made in the same transaction). */
  notifyIn(launch: LaunchContext, audience: PostAudience, now: number): InTransaction<{ postId: string; threadId?: string }> | undefined;
  /** Tells a post's author that staff endorsed it, or that it was accepted as the answer (never oneself). */
  notifyAuthorIn(launch: LaunchContext, post: { id: string; authorId: string | null }, kind: 'accepted' | 'endorsed', now: number): InTransaction<Record<string, never>> | undefined;
}

export function createMentionHooks(deps: { people: PeopleStore; notifications: Pick<NotificationStore, 'addIn'>; xapi?: DiscussionXapi }): MentionHooks {
  return {
    async render(contextId, markdown) {
      // Only members of this course resolve: a name or id from anywhere else stays plain text.
      const { html, mentioned } = renderWithMentions(markdown, await deps.people.inCourse(contextId));
      return { bodyMarkdown: markdown, bodyHtml: html, renderVersion: RENDER_VERSION, mentioned };
    },

    notifyIn(launch, audience, now) {
      const me = launch.user?.id;
      const contextId = launch.context?.id;
      if (!me || !contextId) return undefined;
      // Never for yourself: mentioning yourself or answering your own post notifies nobody.
      const mentioned = audience.mentioned.filter((p) => p.id !== me);
      const replyTo = audience.repliedToAuthorId && audience.repliedToAuthorId !== me ? audience.repliedToAuthorId : null;
      if (mentioned.length === 0 && !replyTo) return undefined;
      return async (trx: Db, { postId, threadId }) => {
        const rows: NewNotification[] = mentioned.map((p) => ({ userId: p.id, contextId, postId, actorId: me, kind: 'mention' }));
        if (replyTo) rows.push({ userId: replyTo, contextId, postId, actorId: me, kind: 'reply' });
        await deps.notifications.addIn(trx, rows, now);
        // One statement per person; its id derives from post and person, so an edit that
        // mentions them again derives the same id and the outbox keeps only the first.
        const statements = mentioned.flatMap((p) => {
          const s = statementOf(deps.xapi, launch, {
            kind: 'mentioned',
            id: JSON.stringify([postId, p.id]),
            at: now,
            space: spaceRef(audience.space),
            thread: threadRef({ ...audience.thread, id: threadId ?? audience.thread.id }),
            post: { id: postId },
            mentioned: { sub: p.sub, name: p.name },
          });
          return s ? [s] : [];
        });
        if (statements.length && deps.xapi) await deps.xapi.outbox.enqueue(trx, statements, launch.platform.id);
      };
    },

    notifyAuthorIn(launch, post, kind, now) {
      const me = launch.user?.id;
      const contextId = launch.context?.id;
      if (!me || !contextId || !post.authorId || post.authorId === me) return undefined;
      const authorId = post.authorId;
      return async (trx: Db) => deps.notifications.addIn(trx, [{ userId: authorId, contextId, postId: post.id, actorId: me, kind }], now);
    },
  };
}

/** The body as the services store it: with mentions when the hooks are wired, plain otherwise. */
export async function renderBody(hooks: MentionHooks | undefined, contextId: string, markdown: string): Promise<MentionBody> {
  if (hooks) return hooks.render(contextId, markdown);
  return { bodyMarkdown: markdown, bodyHtml: renderMarkdown(markdown), renderVersion: RENDER_VERSION, mentioned: [] };
}

/** Both hooks in one transaction, in order; either may be absent. */
export function both<W>(a: InTransaction<W> | undefined, b: InTransaction<W> | undefined): InTransaction<W> | undefined {
  if (!a) return b;
  if (!b) return a;
  return async (trx, w) => {
    await a(trx, w);
    await b(trx, w);
  };
}
