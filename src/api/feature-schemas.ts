import { z } from 'zod';
import { FLAG_REASONS, MODERATION_ACTIONS } from '../curation/flag-store.js';
import { named, PaginationJson, SpaceJson, TagJson } from './api-schemas.js';

/**
 * Shapes of the feature endpoints (settings, prompts, tags, flags, most useful, search,
 * notifications, people). Kept apart from api-schemas.ts so the core shapes stay readable; every
 * one is named, so the OpenAPI document lists it under components.
 */

const iso = z.iso.datetime().describe('ISO 8601, UTC');
const nullableIso = iso.nullable();
const authorName = z.string().nullable().describe('As the pages print it: a pseudonym ("Anonymous learner 3") in a space anonymous to peers.');
const pseudonym = z.number().int().nullable().describe('Set when the caller sees this author under a pseudonym.');

export const SpaceSettingsJson = named(
  'SpaceSettings',
  z.object({
    space: SpaceJson,
    introMarkdown: z.string(),
    introHtml: z.string().describe('Sanitized HTML of the intro, safe to insert into a page.'),
    opensAt: nullableIso.describe('Learners may post from then (open-ended when null).'),
    closesAt: nullableIso.describe('Learners may post until then (open-ended when null).'),
    locked: z.boolean(),
    anonymity: z.enum(['off', 'peers']),
    postFirst: z.boolean().describe("A learner reads peers' answers to a prompt only once they have answered it."),
    values: z.record(z.string(), z.string()).describe('The same settings as the settings form fields (dates and times in the space\'s zone): what PUT accepts.'),
  }),
);

export const MaterialJson = named('Material', z.object({ label: z.string(), url: z.string() }));

export const PromptJson = named(
  'Prompt',
  z.object({
    id: z.string().describe('The prompt thread id: read it with `GET /threads/{id}`, answer it with `POST /threads/{id}/replies`.'),
    title: z.string(),
    position: z.number().int(),
    required: z.boolean(),
    materials: z.array(MaterialJson),
    answerCount: z.number().int().min(0).describe("Answers that are not deleted, everyone's."),
    myAnswerId: z.string().nullable().describe("The caller's answer; null when they have none."),
    answered: z.boolean(),
  }),
);

export const PromptListJson = named('PromptList', z.object({ space: SpaceJson, prompts: z.array(PromptJson) }));

export const TagListJson = named('TagList', z.object({ tags: z.array(TagJson) }));

export const ThreadTagsJson = named('ThreadTags', z.object({ threadId: z.string(), tags: z.array(TagJson) }));

export const FlagResultJson = named(
  'FlagResult',
  z.object({ added: z.boolean().describe('False when the caller had already flagged this post (a flag counts once).'), postId: z.string() }),
);

export const QueueEntryJson = named(
  'ModerationQueueEntry',
  z.object({
    postId: z.string(),
    threadId: z.string(),
    threadTitle: z.string(),
    threadLocked: z.boolean(),
    isOpening: z.boolean(),
    authorName,
    excerpt: z.string().describe('Plain text (Markdown source, whitespace folded): escape it before putting it in HTML.'),
    state: z.enum(['visible', 'hidden', 'deleted']),
    count: z.number().int(),
    reasons: z.partialRecord(z.enum(FLAG_REASONS), z.number().int()),
    notes: z.array(z.string()).describe('What flaggers wrote; never who flagged.'),
    firstAt: iso,
    lastAt: iso,
  }),
);

export const QueueHistoryJson = named(
  'ModerationHistoryEntry',
  z.object({
    postId: z.string(),
    threadId: z.string(),
    threadTitle: z.string(),
    excerpt: z.string(),
    reason: z.enum(FLAG_REASONS),
    resolution: z.string(),
    resolvedAt: iso,
    resolvedByName: z.string().nullable(),
    hidden: z.boolean(),
  }),
);

export const QueueJson = named('ModerationQueue', z.object({ space: SpaceJson, open: z.array(QueueEntryJson), history: z.array(QueueHistoryJson) }));

export const ModerationResultJson = named(
  'ModerationResult',
  z.object({ action: z.enum(MODERATION_ACTIONS), resolved: z.number().int().min(0).describe('Open flags this closed.') }),
);

export const UsefulPostJson = named(
  'UsefulPost',
  z.object({
    postId: z.string(),
    threadId: z.string(),
    threadTitle: z.string(),
    depth: z.number().int(),
    authorName,
    pseudonym,
    html: z.string().describe('Sanitized HTML, safe to insert into a page.'),
    createdAt: iso,
    reactionCount: z.number().int(),
    endorsed: z.boolean(),
    accepted: z.boolean(),
  }),
);

export const UsefulPageJson = named('UsefulPage', z.object({ space: SpaceJson, tagId: z.string().nullable(), posts: z.array(UsefulPostJson), pagination: PaginationJson }));

export const SearchResultJson = named(
  'SearchResult',
  z.object({
    postId: z.string(),
    threadId: z.string(),
    spaceId: z.string(),
    spaceTitle: z.string(),
    titleHtml: z.string().describe('Safe HTML: the escaped title with <mark> around matches.'),
    snippetHtml: z.string().describe('Safe HTML: the escaped snippet with <mark> around matches.'),
    title: z.string().describe('The title as plain text (escape it before putting it in HTML).'),
    snippet: z.string().describe('The snippet as plain text.'),
    authorName,
    pseudonym,
    createdAt: iso,
    isOpening: z.boolean(),
    hidden: z.boolean(),
  }),
);

export const SearchPageJson = named(
  'SearchPage',
  z.object({
    space: SpaceJson,
    scope: z.enum(['space', 'course']),
    query: z.string().describe('The query that ran (trimmed).'),
    ran: z.boolean().describe('False when there was nothing to search for (only punctuation).'),
    results: z.array(SearchResultJson),
    pagination: PaginationJson,
  }),
);

export const NotificationJson = named(
  'Notification',
  z.object({
    id: z.string(),
    kind: z.string(),
    postId: z.string(),
    threadId: z.string(),
    threadTitle: z.string(),
    actorName: authorName,
    pseudonym,
    createdAt: iso,
    readAt: nullableIso,
  }),
);

export const NotificationPageJson = named(
  'NotificationPage',
  z.object({ space: SpaceJson, notifications: z.array(NotificationJson), unread: z.number().int().min(0), page: z.number().int().min(1), pageCount: z.number().int().min(1) }),
);

export const UnreadCountJson = named('UnreadCount', z.object({ unread: z.number().int().min(0) }));

export const PeopleJson = named('People', z.object({ people: z.array(z.object({ id: z.string().describe('Opaque: use it to mention, nothing else.'), name: z.string() })) }));
