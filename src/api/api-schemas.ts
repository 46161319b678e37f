import { z } from 'zod';
import { THREAD_KINDS } from '../discussion/discussion-model.js';

/**
 * The JSON the API answers with. Each shape is a zod schema: handlers' answers are parsed with
 * it (z.object drops unknown keys, so a store row never reaches a client whole) and the OpenAPI
 * document is generated from it. Times are ISO 8601 UTC strings; ids are opaque strings.
 */

const iso = z.iso.datetime().describe('ISO 8601, UTC');
const nullableIso = iso.nullable();

/** Every schema with a name: the OpenAPI document's `components.schemas`, referred to by `$ref`. */
export const apiComponents = new Map<string, z.ZodType>();

/** Names a schema for the OpenAPI components. Use the returned schema itself (a `.describe()` copy would be inlined). */
export function named<T extends z.ZodType>(id: string, s: T): T {
  if (apiComponents.has(id)) throw new Error(`API schema name ${id} is used twice`);
  apiComponents.set(id, s);
  return s;
}

export const ErrorJson = named(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable: `not_found`, `forbidden_role`, `validation_failed`, …'),
      message: z.string().describe('For a person to read.'),
      fix: z.string().optional().describe('What to do about it, when there is something to do.'),
      hint: z.string().optional().describe('The same as `fix`, for clients written before the API.'),
      fields: z.record(z.string(), z.string()).optional().describe('Per input field, what is wrong with it.'),
    }),
  }),
);

export const PaginationJson = named(
  'Pagination',
  z.object({
    page: z.number().int().min(1),
    pageCount: z.number().int().min(1),
    pageSize: z.number().int().min(1),
    total: z.number().int().min(0).describe('Items over all pages: threads in a space, depth-1 replies in a thread.'),
  }),
);

export const SpaceJson = named(
  'Space',
  z.object({
    id: z.string(),
    kind: z.enum(['prep', 'post_event']),
    title: z.string(),
    eventAt: nullableIso,
    timeZone: z.string().describe('IANA zone the space shows its times in.'),
  }),
);

const authorName = z.string().nullable().describe('The name the pages show: in a space anonymous to peers, a learner\'s pseudonym as printed ("Anonymous learner 3", in the caller\'s language); null when the platform shares no name (pages say "A participant").');
/** Anonymity (spaces/anonymity.ts), as the pages apply it: only what is printed changes. */
const pseudonym = z.number().int().nullable().describe('Set when the caller sees this author under a pseudonym (anonymity to peers); `authorName` then prints it.');
const anonymousToPeers = z.boolean().describe('The caller sees the real name (staff, or the author), but other learners see a pseudonym.');

export const TagJson = named('Tag', z.object({ id: z.string(), label: z.string() }));

export const ThreadUnreadJson = named(
  'ThreadUnread',
  z.object({
    unread: z.number().int().min(0).describe("Posts by others written after the caller last read the thread."),
    fresh: z.boolean().describe("Something by others came after the caller's previous visit to the space."),
  }),
);

export const ThreadSummaryJson = named(
  'ThreadSummary',
  z.object({
    id: z.string(),
    title: z.string().nullable().describe('Null when a moderator hid the opening post and the caller is not staff.'),
    kind: z.enum([...THREAD_KINDS, 'prompt']),
    pinned: z.boolean(),
    locked: z.boolean(),
    hidden: z.boolean(),
    authorName,
    pseudonym,
    anonymousToPeers,
    replyCount: z.number().int(),
    reactionCount: z.number().int(),
    answered: z.boolean(),
    createdAt: iso,
    lastActivityAt: iso,
    tags: z.array(TagJson),
    unread: ThreadUnreadJson.nullable().describe('Null for an anonymous launch, which has no reading history.'),
  }),
);

export const ThreadJson = named(
  'Thread',
  z.object({
    id: z.string(),
    spaceId: z.string(),
    title: z.string().nullable().describe('Null when a moderator hid the opening post and the caller is not staff.'),
    kind: z.enum([...THREAD_KINDS, 'prompt']),
    pinned: z.boolean(),
    locked: z.boolean(),
    authorName,
    pseudonym,
    anonymousToPeers,
    replyCount: z.number().int(),
    reactionCount: z.number().int(),
    acceptedPostId: z.string().nullable(),
    createdAt: iso,
    lastActivityAt: iso,
  }),
);

const PostCan = z.object({
  reply: z.boolean(),
  edit: z.boolean(),
  delete: z.boolean(),
  hide: z.boolean(),
  restore: z.boolean(),
  history: z.boolean(),
  react: z.boolean(),
  endorse: z.boolean(),
  accept: z.boolean(),
});

export type PostJsonType = {
  id: string;
  threadId: string;
  parentId: string | null;
  depth: number;
  authorName: string | null;
  pseudonym: number | null;
  anonymousToPeers: boolean;
  mine: boolean;
  createdAt: string;
  editedAt: string | null;
  state: 'visible' | 'hidden' | 'deleted';
  html: string | null;
  markdown: string | null;
  reactionCount: number;
  reactedByMe: boolean;
  endorsed: boolean;
  accepted: boolean;
  can: z.infer<typeof PostCan>;
  replies: PostJsonType[];
  moreReplies: number;
};

export const PostJson: z.ZodType<PostJsonType> = named(
  'Post',
  z.object({
    id: z.string(),
    threadId: z.string(),
    parentId: z.string().nullable(),
    depth: z.number().int().min(0),
    authorName,
    pseudonym,
    anonymousToPeers,
    mine: z.boolean().describe('Written by the caller.'),
    createdAt: iso,
    editedAt: nullableIso,
    state: z.enum(['visible', 'hidden', 'deleted']),
    html: z.string().nullable().describe('Sanitized HTML, safe to insert into a page; null when the caller may not read the words (deleted, or hidden and not staff).'),
    markdown: z.string().nullable().describe('The Markdown source, null exactly when `html` is.'),
    reactionCount: z.number().int().min(0),
    reactedByMe: z.boolean(),
    endorsed: z.boolean(),
    accepted: z.boolean(),
    can: PostCan.describe('What the caller may do to this post now.'),
    get replies() {
      return z.array(PostJson).describe('Replies shown under this post (up to three levels below the root of the answer).');
    },
    moreReplies: z.number().int().min(0).describe('Direct replies deeper than shown: fetch them with `GET /threads/{id}?focus={postId}`.'),
  }),
);

export const PostLocationJson = named(
  'PostLocation',
  z.object({
    threadId: z.string(),
    postId: z.string(),
    page: z.number().int().min(1).describe('The page of the thread (`?page=`) that shows the post.'),
    focusId: z.string().nullable().describe('When set, the post is shown under this one (`?focus=`).'),
  }),
);

export const PostResultJson = named('PostResult', z.object({ post: PostJson, location: PostLocationJson }));

export const ReplyResultJson = named(
  'ReplyResult',
  z.object({ post: PostJson, location: PostLocationJson, promptAnswer: z.boolean().describe("This reply is the caller's answer to a prompt.") }),
);

export const MeJson = named(
  'Me',
  z.object({
    user: z.object({ name: z.string().nullable() }).nullable().describe('Null for an anonymous launch, which may read but not write.'),
    role: z.enum(['learner', 'instructor', 'ta', 'admin', 'mentor']),
    staff: z.boolean().describe('Instructor, teaching assistant or administrator: may moderate.'),
    course: z.object({ label: z.string().nullable(), title: z.string().nullable() }).nullable(),
    locale: z.string().describe('The launch locale, as the platform sent it.'),
    language: z.string().describe('The message catalogue used for this caller (`en`, `es`).'),
    sessionExpiresAt: iso.describe('The session expires after this much idle time; each call extends it.'),
  }),
);

export const SpacePageJson = named(
  'SpacePage',
  z.object({
    space: SpaceJson,
    sort: z.enum(['active', 'newest', 'helpful']),
    tag: TagJson.nullable().describe('With `?tag=`: the tag the list is filtered by.'),
    threads: z.array(ThreadSummaryJson),
    canCreate: z.boolean(),
    unreadNotifications: z.number().int().min(0).nullable().describe('The bell: unread notifications in this course; null for an anonymous launch.'),
    pagination: PaginationJson,
  }),
);

export const ThreadPageJson = named(
  'ThreadPage',
  z.object({
    space: SpaceJson,
    thread: ThreadJson,
    opening: PostJson,
    focus: z.object({ post: PostJson }).nullable().describe('With `?focus=`: that post and the replies under it.'),
    accepted: PostJson.nullable(),
    sort: z.enum(['oldest', 'helpful']),
    can: z.object({ reply: z.boolean(), moderate: z.boolean(), chooseAnswer: z.boolean() }),
    pagination: PaginationJson,
    tags: z.array(TagJson),
    prompt: z
      .object({
        myAnswerId: z.string().nullable(),
        answerCount: z.number().int().min(0),
        peersHidden: z.boolean().describe("Post-first: the caller has not answered yet, so peers' answers are left out (of every route)."),
        canAnswer: z.boolean(),
        required: z.boolean(),
        materials: z.array(z.object({ label: z.string(), url: z.string() })),
      })
      .nullable()
      .describe('Set for a prompt thread: the caller answers it with `POST /threads/{id}/replies`.'),
    newPostIds: z.array(z.string()).describe('Posts shown on this page that are new to the caller since they last read the thread (reading this page marks it read).'),
  }),
);

export const RevisionJson = named(
  'Revision',
  z.object({
    id: z.string(),
    title: z.string().nullable().describe('The thread title then, for an opening post.'),
    html: z.string().describe('Sanitized HTML of that version.'),
    writtenAt: iso,
    replacedAt: iso,
  }),
);

export const HistoryJson = named('PostHistory', z.object({ post: PostJson, revisions: z.array(RevisionJson).describe('Earlier versions, oldest first.') }));
