import { z } from 'zod';
import { labelSchema, tagIdsSchema } from '../curation/curation-router.js';
import type { CurationService } from '../curation/curation-service.js';
import { parseFlagInput } from '../curation/curation-input.js';
import { FLAG_REASONS, MODERATION_ACTIONS } from '../curation/flag-store.js';
import type { TagService } from '../curation/tag-service.js';
import type { ThreadService } from '../discussion/thread-service.js';
import type { Translate } from '../i18n/i18n.js';
import type { MentionService } from '../mentions/mention-service.js';
import type { SearchService } from '../search/search-service.js';
import { SEARCH_PAGE_SIZE } from '../search/search-service.js';
import { QUERY_MAX } from '../search/search-text.js';
import { MATERIAL_ROWS, parsePrompt, type PromptService } from '../spaces/prompt-service.js';
import { parseSettings, settingsValues, type SpaceSettingsService } from '../spaces/space-settings.js';
import type { Space } from '../spaces/space-store.js';
import { FieldErrors } from './api-errors.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { TagJson } from './api-schemas.js';
import { authorJson, spaceJson } from './api-serializers.js';
import {
  FlagResultJson,
  ModerationResultJson,
  NotificationPageJson,
  PeopleJson,
  PromptListJson,
  QueueJson,
  SearchPageJson,
  SpaceSettingsJson,
  TagListJson,
  ThreadTagsJson,
  UnreadCountJson,
  UsefulPageJson,
} from './feature-schemas.js';
import { pageParam } from './space-routes.js';

/**
 * The feature endpoints: the operations of the settings, prompts, tags, flag, moderation, most
 * useful, search, notification and people pages, as JSON. Each handler calls the very service
 * its page calls, so authorisation (viewerOf(launch): course, role, post-first, anonymity) is the
 * services', not restated here. Where a page parses a form with its own rules (settings, prompt,
 * flag, tag label) the API maps JSON onto that form's fields and runs the same parser, so the two
 * can never accept different input; the parser's message keys become `error.fields`.
 */
export interface FeatureServices {
  spaceSettings: SpaceSettingsService;
  prompts: PromptService;
  threads: ThreadService;
  tags: TagService;
  curation: CurationService;
  search: SearchService;
  mentions: MentionService;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const tagJson = (g: { id: string; label: string }) => ({ id: g.id, label: g.label });

/** A form parser's field errors (catalogue keys in `ns`) as the API's 400/413. */
function formErrors(t: Translate, ns: string, status: 400 | 413, errors: Partial<Record<string, string>>): FieldErrors {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(errors)) if (v) fields[k] = t(v.includes(':') ? v : `${ns}:${v}`);
  return new FieldErrors(t, status, fields);
}

// Settings: the settings form's fields, as JSON (booleans for its checkboxes). A field left out
// keeps its current value, so a client can change one setting without restating the others.
const text = z.string().max(200_000);
const settingsBody = z.object({
  title: text.optional(),
  intro: text.optional().describe('Markdown, up to 10,000 characters (413 when longer).'),
  event_date: text.optional().describe('YYYY-MM-DD in `time_zone`, or "" for none.'),
  event_time: text.optional().describe('HH:MM.'),
  time_zone: text.optional().describe('An IANA zone.'),
  opens_date: text.optional(),
  opens_time: text.optional(),
  closes_date: text.optional(),
  closes_time: text.optional(),
  anonymity: z.enum(['off', 'peers']).optional(),
  locked: z.boolean().optional(),
  post_first: z.boolean().optional(),
});

function settingsJson(space: Space) {
  return {
    space: spaceJson(space),
    introMarkdown: space.introMarkdown,
    introHtml: space.introHtml,
    opensAt: isoOrNull(space.opensAt),
    closesAt: isoOrNull(space.closesAt),
    locked: space.locked,
    anonymity: space.anonymity,
    postFirst: space.postFirst,
    values: Object.fromEntries(Object.entries(settingsValues(space)).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

const promptBody = z.object({
  title: text.describe('The question or task, up to 200 characters.'),
  body: text.optional().describe('Markdown details; left out, the prompt is its title.'),
  required: z.boolean().default(true),
  materials: z
    .array(z.object({ label: z.string().max(10_000).default(''), url: z.string().max(10_000) }))
    .max(MATERIAL_ROWS)
    .default([])
    .describe(`Up to ${MATERIAL_ROWS} https links.`),
});

/** The prompt form's fields from JSON, so parsePrompt decides exactly as it does for the page. */
function promptForm(b: z.output<typeof promptBody>): Record<string, unknown> {
  const form: Record<string, unknown> = { title: b.title, body: b.body ?? '', ...(b.required ? { required: 'on' } : {}) };
  b.materials.forEach((m, i) => {
    form[`material_label_${i}`] = m.label;
    form[`material_url_${i}`] = m.url;
  });
  return form;
}

const searchQuery = z.object({
  q: z.string().trim().min(1).max(QUERY_MAX).describe(`Words or "a phrase", up to ${QUERY_MAX} characters.`),
  scope: z.enum(['space', 'course']).default('space').describe('This space, or every space of the course.'),
  page: pageParam,
});

export function featureRoutes(s: FeatureServices): ApiRoute[] {
  const promptsOf = async (launch: Parameters<ThreadService['list']>[0], spaceId: string) => {
    const page = await s.threads.list(launch, spaceId, { sort: 'active', page: 1 });
    return {
      space: spaceJson(page.space),
      prompts: page.prompts.map((p) => ({
        id: p.threadId,
        title: p.title,
        position: p.position,
        required: p.required,
        materials: p.materials.map((m) => ({ label: m.label, url: m.url })),
        answerCount: p.answerCount,
        myAnswerId: p.myAnswerId,
        answered: p.myAnswerId !== null,
      })),
    };
  };

  return [
    // Space settings (staff).
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/settings',
      operationId: 'getSpaceSettings',
      summary: "A space's settings: intro, posting window, lock, anonymity, post-first (staff)",
      tag: 'settings',
      response: SpaceSettingsJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => settingsJson(await s.spaceSettings.forSettings(launch, params.id!)),
    }),
    apiRoute({
      method: 'put',
      path: '/spaces/{id}/settings',
      operationId: 'updateSpaceSettings',
      summary: "Change a space's settings (staff); fields left out keep their value",
      description: 'Fields are those of the settings form; dates and times are read in `time_zone`. The same rules as the page: 400 names each wrong field, 413 for an intro over its limit.',
      tag: 'settings',
      body: settingsBody,
      response: SpaceSettingsJson,
      errors: [400, 403, 404, 413, 415],
      handler: async ({ launch, params, body, res }) => {
        const space = await s.spaceSettings.forSettings(launch, params.id!);
        const form: Record<string, unknown> = { ...settingsValues(space) };
        for (const [k, v] of Object.entries(body)) {
          if (v === undefined) continue;
          if (k === 'locked' || k === 'post_first') {
            if (v) form[k] = 'on';
            else delete form[k];
          } else form[k] = v;
        }
        const parsed = parseSettings(form);
        if (!parsed.ok) throw formErrors(res.locals.t, 'spaces', parsed.status, parsed.errors);
        return settingsJson(await s.spaceSettings.update(launch, space.id, parsed.value));
      },
    }),

    // Prompts: everyone lists them with their own status; staff manage them.
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/prompts',
      operationId: 'listPrompts',
      summary: "A space's prompts in order, with whether the caller has answered each",
      tag: 'prompts',
      response: PromptListJson,
      errors: [404],
      handler: async ({ launch, params }) => promptsOf(launch, params.id!),
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/prompts',
      operationId: 'createPrompt',
      summary: 'Add a prompt at the end of the space (staff)',
      tag: 'prompts',
      body: promptBody,
      status: 201,
      response: PromptListJson,
      errors: [400, 403, 404, 413, 415],
      handler: async ({ launch, params, body, res }) => {
        const space = await s.prompts.forNew(launch, params.id!);
        const parsed = parsePrompt(promptForm(body));
        if (!parsed.ok) throw formErrors(res.locals.t, 'spaces', parsed.status, parsed.errors);
        await s.prompts.create(launch, space.id, parsed.value);
        return promptsOf(launch, space.id);
      },
    }),
    apiRoute({
      method: 'put',
      path: '/prompts/{id}',
      operationId: 'editPrompt',
      summary: 'Edit a prompt (staff); the earlier text goes to its history',
      tag: 'prompts',
      body: promptBody,
      response: PromptListJson,
      errors: [400, 403, 404, 409, 413, 415],
      handler: async ({ launch, params, body, res }) => {
        const p = await s.prompts.forEdit(launch, params.id!);
        const parsed = parsePrompt(promptForm(body));
        if (!parsed.ok) throw formErrors(res.locals.t, 'spaces', parsed.status, parsed.errors);
        await s.prompts.edit(launch, p.thread.id, parsed.value);
        return promptsOf(launch, p.space.id);
      },
    }),
    apiRoute({
      method: 'post',
      path: '/prompts/{id}/move',
      operationId: 'movePrompt',
      summary: 'Move a prompt one place up or down (staff)',
      tag: 'prompts',
      body: z.object({ direction: z.enum(['up', 'down']) }),
      response: PromptListJson,
      errors: [400, 403, 404, 415],
      handler: async ({ launch, params, body }) => {
        const space = await s.prompts.move(launch, params.id!, body.direction === 'up' ? -1 : 1);
        return promptsOf(launch, space.id);
      },
    }),
    apiRoute({
      method: 'delete',
      path: '/prompts/{id}',
      operationId: 'deletePrompt',
      summary: 'Delete a prompt with its answers (staff)',
      tag: 'prompts',
      response: PromptListJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const space = await s.prompts.remove(launch, params.id!);
        return promptsOf(launch, space.id);
      },
    }),

    // Tags.
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/tags',
      operationId: 'listTags',
      summary: "A space's tags (filter the thread list with `?tag=`)",
      tag: 'tags',
      response: TagListJson,
      errors: [404],
      handler: async ({ launch, params }) => ({ tags: (await s.tags.list(launch, params.id!)).map(tagJson) }),
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/tags',
      operationId: 'createTag',
      summary: 'Add a tag to a space (staff)',
      description: 'A label is one line of 1 to 40 characters; labels are unique in a space whatever their case (409).',
      tag: 'tags',
      body: labelSchema,
      status: 201,
      response: TagJson,
      errors: [400, 403, 404, 409, 415],
      handler: async ({ launch, params, body }) => tagJson(await s.tags.create(launch, params.id!, body.label)),
    }),
    apiRoute({
      method: 'patch',
      path: '/spaces/{id}/tags/{tagId}',
      operationId: 'renameTag',
      summary: 'Rename a tag (staff)',
      tag: 'tags',
      body: labelSchema,
      response: TagJson,
      errors: [400, 403, 404, 409, 415],
      handler: async ({ launch, params, body }) => {
        await s.tags.rename(launch, params.id!, params.tagId!, body.label);
        return tagJson(await s.tags.filterTag(launch, params.id!, params.tagId!));
      },
    }),
    apiRoute({
      method: 'delete',
      path: '/spaces/{id}/tags/{tagId}',
      operationId: 'deleteTag',
      summary: 'Delete a tag; threads lose it (staff)',
      tag: 'tags',
      response: TagListJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        await s.tags.remove(launch, params.id!, params.tagId!);
        return { tags: (await s.tags.list(launch, params.id!)).map(tagJson) };
      },
    }),
    apiRoute({
      method: 'put',
      path: '/threads/{id}/tags',
      operationId: 'setThreadTags',
      summary: "Set a thread's tags (its author or staff)",
      description: 'The whole set: tags left out are taken off. Ids are tags of the thread\'s space.',
      tag: 'tags',
      body: tagIdsSchema,
      response: ThreadTagsJson,
      errors: [400, 403, 404, 415],
      handler: async ({ launch, params, body }) => {
        await s.tags.setThreadTags(launch, params.id!, body.tags);
        const ctx = await s.tags.forThread(launch, params.id!);
        return { threadId: ctx.thread.id, tags: ctx.tags.filter((g) => ctx.chosen.has(g.id)).map(tagJson) };
      },
    }),

    // Flags and the moderation queue.
    apiRoute({
      method: 'post',
      path: '/posts/{id}/flag',
      operationId: 'flagPost',
      summary: 'Flag a post for the moderators (not your own)',
      description: `Reasons: ${FLAG_REASONS.join(', ')}. A note is optional, up to 500 characters (413 when longer). Flagging too fast answers 429 with Retry-After.`,
      tag: 'moderation',
      body: z.object({ reason: z.string().max(64), note: z.string().max(200_000).optional() }),
      response: FlagResultJson,
      errors: [400, 403, 404, 409, 413, 415, 429],
      handler: async ({ launch, params, body, res }) => {
        const parsed = parseFlagInput(body);
        if (!parsed.ok) {
          // Access first: whoever may not see the post learns nothing about their input.
          await s.curation.forFlag(launch, params.id!);
          throw formErrors(res.locals.t, 'curation', parsed.status, parsed.errors);
        }
        const { added, post } = await s.curation.flag(launch, params.id!, parsed.value);
        return { added, postId: post.id };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/moderation',
      operationId: 'getModerationQueue',
      summary: 'Flagged posts waiting for a decision, and recent decisions (staff)',
      tag: 'moderation',
      response: QueueJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const q = await s.curation.queue(launch, params.id!);
        return {
          space: spaceJson(q.space),
          open: q.open.map((e) => ({ ...e, firstAt: iso(e.firstAt), lastAt: iso(e.lastAt) })),
          history: q.history.map((h) => ({ ...h, resolvedAt: iso(h.resolvedAt) })),
        };
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/moderation/posts/{postId}',
      operationId: 'moderatePost',
      summary: 'Decide on a flagged post: hide, restore, lock its thread or dismiss the flags (staff)',
      tag: 'moderation',
      body: z.object({ action: z.enum(MODERATION_ACTIONS) }),
      response: ModerationResultJson,
      errors: [400, 403, 404, 409, 415],
      handler: async ({ launch, params, body }) => {
        const { resolved } = await s.curation.moderate(launch, params.id!, params.postId!, body.action);
        return { action: body.action, resolved };
      },
    }),

    // Most useful.
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/useful',
      operationId: 'listMostUseful',
      summary: 'The most useful posts of a space: accepted, endorsed and marked helpful first',
      tag: 'curation',
      query: z.object({ page: pageParam, tag: z.string().max(36).optional().describe('Only posts in threads with this tag.') }),
      response: UsefulPageJson,
      errors: [400, 404],
      handler: async ({ launch, params, query, res }) => {
        const p = await s.curation.mostUseful(launch, params.id!, { page: query.page, tagId: query.tag ?? null });
        return {
          space: spaceJson(p.space),
          tagId: query.tag ?? null,
          posts: p.posts.map((x) => ({
            postId: x.postId,
            threadId: x.threadId,
            threadTitle: x.threadTitle,
            depth: x.depth,
            ...authorJson(res.locals.t, x),
            html: x.html,
            createdAt: iso(x.createdAt),
            reactionCount: x.reactionCount,
            endorsed: x.endorsed,
            accepted: x.accepted,
          })),
          // The service pages by its configured size; the page holds at most that many.
          pagination: { page: p.page, pageCount: p.pageCount, pageSize: Math.max(1, Math.ceil(p.total / p.pageCount)), total: p.total },
        };
      },
    }),

    // Search.
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/search',
      operationId: 'search',
      summary: 'Search the posts the caller may read, in this space or the whole course',
      tag: 'search',
      query: searchQuery,
      response: SearchPageJson,
      errors: [400, 404],
      handler: async ({ launch, params, query, res }) => {
        const p = await s.search.search(launch, params.id!, query);
        return {
          space: spaceJson(p.space),
          scope: p.scope,
          query: p.query,
          ran: p.ran,
          results: p.results.map((r) => ({
            postId: r.postId,
            threadId: r.threadId,
            spaceId: r.spaceId,
            spaceTitle: r.spaceTitle,
            titleHtml: r.titleHtml,
            snippetHtml: r.snippetHtml,
            title: plain(r.titleHtml),
            snippet: plain(r.snippetHtml),
            ...authorJson(res.locals.t, r),
            createdAt: iso(r.createdAt),
            isOpening: r.isOpening,
            hidden: r.hidden,
          })),
          pagination: { page: p.page, pageCount: p.pageCount, pageSize: SEARCH_PAGE_SIZE, total: p.total },
        };
      },
    }),

    // Notifications and people (mentions).
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/notifications',
      operationId: 'listNotifications',
      summary: "The caller's notifications in this course, newest first",
      tag: 'notifications',
      query: z.object({ page: pageParam }),
      response: NotificationPageJson,
      errors: [400, 403, 404],
      handler: async ({ launch, params, query, res }) => {
        const v = await s.mentions.notifications(launch, params.id!, query.page);
        return {
          space: spaceJson(v.space),
          notifications: v.items.map((n) => {
            const a = authorJson(res.locals.t, { authorName: n.actorName, pseudonym: n.pseudonym });
            return { id: n.id, kind: n.kind, postId: n.postId, threadId: n.threadId, threadTitle: n.threadTitle, actorName: a.authorName, pseudonym: a.pseudonym, createdAt: iso(n.createdAt), readAt: isoOrNull(n.readAt) };
          }),
          unread: v.unread,
          page: v.page,
          pageCount: v.pageCount,
        };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/notifications/unread',
      operationId: 'countUnreadNotifications',
      summary: "How many of the caller's notifications are unread (the bell)",
      tag: 'notifications',
      response: UnreadCountJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => ({ unread: (await s.mentions.notifications(launch, params.id!, 1)).unread }),
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/notifications/read-all',
      operationId: 'markAllNotificationsRead',
      summary: "Mark all the caller's notifications read",
      tag: 'notifications',
      response: UnreadCountJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        await s.mentions.markAllRead(launch, params.id!);
        return { unread: (await s.mentions.notifications(launch, params.id!, 1)).unread };
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/notifications/{notificationId}/read',
      operationId: 'markNotificationRead',
      summary: 'Mark one notification read',
      tag: 'notifications',
      response: UnreadCountJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        await s.mentions.markRead(launch, params.id!, params.notificationId!.slice(0, 64));
        return { unread: (await s.mentions.notifications(launch, params.id!, 1)).unread };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/people',
      operationId: 'findPeople',
      summary: 'People of the course to mention, by name (the autocomplete)',
      tag: 'notifications',
      query: z.object({ q: z.string().max(100).default('').describe('The start of a name.') }),
      response: PeopleJson,
      errors: [400, 404],
      handler: async ({ launch, params, query }) => ({ people: await s.mentions.people(launch, params.id!, query.q) }),
    }),
  ];
}

/** Safe highlighted HTML → its text: drop the <mark>s, undo the escapes (search-text.ts escapeHtml). */
function plain(html: string): string {
  return html
    .replace(/<\/?mark>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

