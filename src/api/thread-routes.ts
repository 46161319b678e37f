import { z } from 'zod';
import { replySchema } from '../discussion/discussion-input.js';
import type { PostService } from '../discussion/post-service.js';
import type { ThreadService } from '../discussion/thread-service.js';
import type { MentionService } from '../mentions/mention-service.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { ReplyResultJson, ThreadJson, ThreadPageJson } from './api-schemas.js';
import { locationJson, postJson, shownPosts, threadJson, threadPageJson } from './api-serializers.js';
import { pageParam } from './space-routes.js';

const threadQuery = z.object({
  page: pageParam,
  sort: z.enum(['oldest', 'helpful']).default('oldest').describe('Order of the depth-1 replies.'),
  focus: z.string().max(64).optional().describe("A post id: show the replies under it (a post's `moreReplies`)."),
});

export function threadRoutes(deps: { threads: ThreadService; posts: PostService; mentions: MentionService }): ApiRoute[] {
  const flags = (
    [
      ['pin', 'Pin a thread to the top of its space (staff)', 'pinned', true],
      ['unpin', 'Unpin a thread (staff)', 'pinned', false],
      ['lock', 'Lock a thread: only staff may reply or edit in it (staff)', 'locked', true],
      ['unlock', 'Unlock a thread (staff)', 'locked', false],
    ] as const
  ).map(([action, summary, flag, on]) =>
    apiRoute({
      method: 'post',
      path: `/threads/{id}/${action}`,
      operationId: `${action}Thread`,
      summary,
      tag: 'moderation',
      response: ThreadJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const t = flag === 'pinned' ? await deps.threads.setPinned(launch, params.id!, on) : await deps.threads.setLocked(launch, params.id!, on);
        // Only staff get here, and staff read hidden titles and real names too.
        return threadJson(t, t.title, { authorName: t.authorName, pseudonym: null, anonymousToPeers: false });
      },
    }),
  );
  return [
    apiRoute({
      method: 'get',
      path: '/threads/{id}',
      operationId: 'getThread',
      summary: 'A thread: its opening post with a page of replies nested under it',
      description: 'Replies nest three levels below the post they answer; deeper ones are counted in `moreReplies` and read with `focus`.',
      tag: 'threads',
      query: threadQuery,
      response: ThreadPageJson,
      errors: [400, 404],
      handler: async ({ launch, params, query, res }) => {
        const page = await deps.threads.view(launch, params.id!, { page: query.page, sort: query.sort, focusId: query.focus ?? null });
        // As the thread page: which shown posts are new to the caller, then the thread counts as read.
        const unread = await deps.mentions.threadPage(launch, page.thread.id, shownPosts(page));
        return threadPageJson(res.locals.t, page, unread.newIds);
      },
    }),
    apiRoute({
      method: 'post',
      path: '/threads/{id}/replies',
      operationId: 'replyToThread',
      summary: 'Reply to a thread, or to one of its posts (`parent_post_id`); on a prompt, a reply to the prompt is your answer',
      description: '`promptAnswer` says whether this reply is the caller\'s answer to a prompt (a depth-1 reply on a prompt thread): post-first then lets them read peers\' answers.',
      tag: 'posts',
      body: replySchema,
      status: 201,
      response: ReplyResultJson,
      errors: [400, 403, 404, 409, 413, 415, 429],
      handler: async ({ launch, params, body, res }) => {
        const { post } = await deps.posts.reply(launch, params.id!, { body: body.body, parentPostId: body.parent_post_id });
        const v = await deps.posts.view(launch, post.id);
        // The rule the prompt page uses: an answer is a direct reply to the prompt's opening post.
        const page = await deps.threads.view(launch, post.threadId, { page: 1 });
        return { post: postJson(res.locals.t, v.post), location: locationJson(v.location), promptAnswer: page.prompt !== null && page.prompt.myAnswerId === post.id };
      },
    }),
    ...flags,
  ];
}
