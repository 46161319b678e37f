import { editOpeningSchema } from '../discussion/discussion-input.js';
import type { PostLocation, PostService } from '../discussion/post-service.js';
import type { Translate } from '../i18n/i18n.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { FieldErrors } from './api-errors.js';
import { apiRoute, type ApiRoute, type HttpMethod } from './api-route.js';
import { HistoryJson, PostResultJson } from './api-schemas.js';
import { locationJson, postJson, revisionJson } from './api-serializers.js';

/** An edit: `title` only for an opening post, and optional there (the thread keeps its title). */
const editBody = editOpeningSchema.partial({ title: true });

export function postRoutes(deps: { posts: PostService }): ApiRoute[] {
  /** After an act: the post as the caller now sees it, and where it is shown. */
  const result = async (t: Translate, launch: LaunchContext, done: Promise<PostLocation>) => {
    const loc = await done;
    const v = await deps.posts.view(launch, loc.postId);
    return { post: postJson(t, v.post), location: locationJson(v.location) };
  };

  // One entry per act, each way: a repeated call changes nothing (no toggling by surprise).
  const acts = (
    [
      ['post', '/posts/{id}/hide', 'hidePost', 'Hide a post from everyone but staff (staff)', 'moderation', [403, 404], (l, id) => deps.posts.setHidden(l, id, true)],
      ['post', '/posts/{id}/restore', 'restorePost', 'Show a hidden post again (staff)', 'moderation', [403, 404], (l, id) => deps.posts.setHidden(l, id, false)],
      ['delete', '/posts/{id}', 'deletePost', 'Delete your own post: it leaves a tombstone, its replies stay', 'posts', [403, 404, 409], (l, id) => deps.posts.remove(l, id)],
      ['put', '/posts/{id}/reactions/helpful', 'markHelpful', 'Mark a post as helpful (not your own)', 'reactions', [403, 404, 409, 429], (l, id) => deps.posts.setReaction(l, id, true)],
      ['delete', '/posts/{id}/reactions/helpful', 'unmarkHelpful', 'Take back your "helpful"', 'reactions', [403, 404], (l, id) => deps.posts.setReaction(l, id, false)],
      ['post', '/posts/{id}/endorse', 'endorsePost', 'Endorse a post as an instructor (staff)', 'reactions', [403, 404, 409], (l, id) => deps.posts.setEndorsed(l, id, true)],
      ['post', '/posts/{id}/unendorse', 'unendorsePost', 'Withdraw an endorsement (staff)', 'reactions', [403, 404], (l, id) => deps.posts.setEndorsed(l, id, false)],
      ['post', '/posts/{id}/accept', 'acceptAnswer', "Accept a reply as its question's answer (the asker or staff)", 'reactions', [403, 404, 409], (l, id) => deps.posts.setAccepted(l, id, true)],
      ['post', '/posts/{id}/unaccept', 'unacceptAnswer', 'Clear the accepted answer (the asker or staff)', 'reactions', [403, 404, 409], (l, id) => deps.posts.setAccepted(l, id, false)],
    ] as Array<[HttpMethod, string, string, string, string, number[], (l: LaunchContext, id: string) => Promise<PostLocation>]>
  ).map(([method, path, operationId, summary, tag, errors, act]) =>
    apiRoute({ method, path, operationId, summary, tag, response: PostResultJson, errors, handler: async ({ launch, params, res }) => result(res.locals.t, launch, act(launch, params.id!)) }),
  );

  return [
    apiRoute({
      method: 'get',
      path: '/posts/{id}',
      operationId: 'getPost',
      summary: 'One post, and where its thread shows it',
      tag: 'posts',
      response: PostResultJson,
      errors: [404],
      handler: async ({ launch, params, res }) => {
        const v = await deps.posts.view(launch, params.id!);
        return { post: postJson(res.locals.t, v.post), location: locationJson(v.location) };
      },
    }),
    apiRoute({
      method: 'patch',
      path: '/posts/{id}',
      operationId: 'editPost',
      summary: 'Edit your own post; the earlier version goes to its history',
      description: 'For the opening post `title` renames the thread; left out, the title stays. A reply has no title (400).',
      tag: 'posts',
      body: editBody,
      response: PostResultJson,
      errors: [400, 403, 404, 409, 413, 415],
      handler: async ({ launch, params, body, res }) => {
        // The same check the edit page makes before it shows the form.
        const ctx = await deps.posts.forEdit(launch, params.id!);
        if (!ctx.isOpening && body.title !== undefined) throw new FieldErrors(res.locals.t, 400, { title: res.locals.t('api:errors.titleOnlyOpening') });
        return result(res.locals.t, launch, deps.posts.edit(launch, ctx.post.id, { body: body.body, title: ctx.isOpening ? (body.title ?? ctx.thread.title) : null }));
      },
    }),
    apiRoute({
      method: 'get',
      path: '/posts/{id}/history',
      operationId: 'getPostHistory',
      summary: "A post's earlier versions (staff)",
      tag: 'moderation',
      response: HistoryJson,
      errors: [403, 404],
      handler: async ({ launch, params, res }) => {
        const h = await deps.posts.history(launch, params.id!);
        return { post: postJson(res.locals.t, h.view), revisions: h.revisions.map(revisionJson) };
      },
    }),
    ...acts,
  ];
}
