import type { PostService } from '../discussion/post-service.js';
import type { ThreadService } from '../discussion/thread-service.js';
import type { MentionService } from '../mentions/mention-service.js';
import { featureRoutes, type FeatureServices } from './feature-routes.js';
import { journeyRoutes, type JourneyApiServices } from './journey-routes.js';
import type { SpaceService } from '../spaces/space-service.js';
import type { ApiRoute } from './api-route.js';
import { meRoutes } from './me-routes.js';
import { postRoutes } from './post-routes.js';
import { spaceRoutes } from './space-routes.js';
import { threadRoutes } from './thread-routes.js';

export interface ApiServices extends FeatureServices, JourneyApiServices {
  spaces: SpaceService;
  threads: ThreadService;
  posts: PostService;
  mentions: MentionService;
}

/**
 * Every endpoint of /api/v1, each calling the same service as its page. A feature adds its
 * endpoints by adding its `*-routes.ts` list here: the router and the OpenAPI document follow.
 */
export function apiRoutes(s: ApiServices): ApiRoute[] {
  return [...meRoutes(), ...spaceRoutes(s), ...threadRoutes(s), ...postRoutes(s), ...featureRoutes(s), ...journeyRoutes(s)];
}
