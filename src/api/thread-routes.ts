import { z } from 'zod';
import { replySchema } from '../discussion/discussion-input.js';
import type { PostService } from '../discussion/post-service.js';
import type { ThreadService } from '../discussion/thread-service.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { PostResultJson, ThreadJson, ThreadPageJson } from './api-schemas.js';
import { locationJson, postJson, threadJson, threadPageJson } from './api-serializers.js';
import { pageParam } from './space-routes.js';

const threadQuery = z.object({
  page: pageParam,
  sort: z.enum(['oldest', 'helpful']).default('oldest').describe('Order of the depth-1 replies.'),
  focus: z.string().max(64).optional().describe("A post id: show the replies under it (a post's `moreReplies`)."),
});

export function threadRoutes(deps: { threads: ThreadService; posts: PostService }): ApiRoute[] {
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
        // Only staff get here, and staff read hidden titles too.
        return threadJson(t, t.title);
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
      handler: async ({ launch, params, query }) => threadPageJson(await deps.threads.view(launch, params.id!, { page: query.page, sort: query.sort, focusId: query.focus ?? null })),
    }),
    apiRoute({
      method: 'post',
      path: '/threads/{id}/replies',
      operationId: 'replyToThread',
      summary: 'Reply to a thread, or to one of its posts (`parent_post_id`)',
      tag: 'posts',
      body: replySchema,
      status: 201,
      response: PostResultJson,
      errors: [400, 403, 404, 409, 413, 415],
      handler: async ({ launch, params, body }) => {
        const { post } = await deps.posts.reply(launch, params.id!, { body: body.body, parentPostId: body.parent_post_id });
        const v = await deps.posts.view(launch, post.id);
        return { post: postJson(v.post), location: locationJson(v.location) };
      },
    }),
    ...flags,
  ];
}
