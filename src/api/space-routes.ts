import { z } from 'zod';
import { threadSchema } from '../discussion/discussion-input.js';
import type { ThreadService } from '../discussion/thread-service.js';
import type { SpaceService } from '../spaces/space-service.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { SpaceJson, SpacePageJson, ThreadPageJson } from './api-schemas.js';
import { spaceJson, spacePageJson, threadPageJson } from './api-serializers.js';

/** A page number, as the pages accept it. */
export const pageParam = z.coerce.number().int().min(1).max(100_000).default(1).describe('1-based; past the last page answers the last one.');

const listQuery = z.object({
  sort: z.enum(['active', 'newest', 'helpful']).default('active').describe('Pinned threads come first whatever the sort.'),
  page: pageParam,
});

export function spaceRoutes(deps: { spaces: SpaceService; threads: ThreadService }): ApiRoute[] {
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
      summary: "A page of a space's threads",
      tag: 'threads',
      query: listQuery,
      response: SpacePageJson,
      errors: [400, 404],
      handler: async ({ launch, params, query }) => spacePageJson(await deps.threads.list(launch, params.id!, query)),
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
      errors: [400, 403, 404, 413, 415],
      handler: async ({ launch, params, body }) => {
        const thread = await deps.threads.create(launch, params.id!, body);
        return threadPageJson(await deps.threads.view(launch, thread.id, { page: 1 }));
      },
    }),
  ];
}
