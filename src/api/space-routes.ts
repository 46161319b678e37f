import { z } from 'zod';
import { threadSchema } from '../discussion/discussion-input.js';
import type { ThreadService } from '../discussion/thread-service.js';
import type { MentionService } from '../mentions/mention-service.js';
import type { SpaceService } from '../spaces/space-service.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { SpaceJson, SpacePageJson, ThreadPageJson } from './api-schemas.js';
import { spaceJson, spacePageJson, threadPageJson } from './api-serializers.js';

/** A page number, as the pages accept it. */
export const pageParam = z.coerce.number().int().min(1).max(100_000).default(1).describe('1-based; past the last page answers the last one.');

const listQuery = z.object({
  sort: z.enum(['active', 'newest', 'helpful']).default('active').describe('Pinned threads come first whatever the sort.'),
  page: pageParam,
  tag: z.string().max(36).optional().describe('A tag id of this space (`GET /spaces/{id}/tags`): only threads with it.'),
});

export function spaceRoutes(deps: { spaces: SpaceService; threads: ThreadService; mentions: MentionService }): ApiRoute[] {
  return [
    apiRoute({
      method: 'get',
      path: '/spaces/{id}',
      operationId: 'getSpace',
      summary: 'A discussion space of this course',
      tag: 'spaces',
      response: SpaceJson,
      errors: [404],
      handler: async ({ launch, params }) => spaceJson(await deps.spaces.get(launch, params.id!)),
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/threads',
      operationId: 'listThreads',
      summary: "A page of a space's threads, with the caller's unread counts",
      description: 'Like the space page, reading this list counts as a visit: `unread.fresh` compares with the previous one.',
      tag: 'threads',
      query: listQuery,
      response: SpacePageJson,
      errors: [400, 404],
      handler: async ({ launch, params, query, res }) => {
        // A tag of another space or course is a 404 (tag-service filterTag, through threads.list).
        const page = await deps.threads.list(launch, params.id!, { sort: query.sort, page: query.page, tagId: query.tag ?? null });
        const unread = await deps.mentions.spacePage(launch, page.space, page.threads.map((t) => t.id));
        return spacePageJson(res.locals.t, page, unread);
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/threads',
      operationId: 'createThread',
      summary: 'Start a thread (a discussion or a question) with its opening post',
      description: 'The body is Markdown; the answer carries it rendered and sanitized as `html`. Anonymous launches cannot post (403).',
      tag: 'threads',
      body: threadSchema,
      status: 201,
      response: ThreadPageJson,
      errors: [400, 403, 404, 413, 415, 429],
      handler: async ({ launch, params, body, res }) => {
        const thread = await deps.threads.create(launch, params.id!, body);
        return threadPageJson(res.locals.t, await deps.threads.view(launch, thread.id, { page: 1 }));
      },
    }),
  ];
}
