import { v5 as uuidv5 } from 'uuid';
import type { LaunchContext } from '../lti/launch-context.js';
import type { SpaceKind } from '../spaces/space-store.js';
import type { JsonValue, LanguageMap, XapiActivity, XapiAgent, XapiContext, XapiStatement } from './statement.js';
import { ACTIVITY_TYPE, EXTENSION, PLATFORM, PROFILE_VERSION_IRI, UUID_NAMESPACE, VERB, VERB_DISPLAY, type VerbKey } from './vocabulary.js';

/**
 * The one place that turns an act into an xAPI statement. Pure: act + launch context → statement,
 * no clock, no I/O, no randomness, so the same act always yields the same statement (and the same
 * statement id), which is what makes a resend harmless.
 *
 * UUIDv5 comes from the `uuid` package rather than hand-rolled SHA-1 over node:crypto: it is the
 * RFC 9562 reference implementation, dependency-free, tested against the RFC's vectors, and gets the
 * namespace parsing and version/variant bits right, which a hand-written v5 easily does not.
 */

export interface StatementBuilderOptions {
  /** External base URL of this install; activity ids are stable URLs under it. */
  publicUrl: string;
  /** Send the learner's display name in `actor.name`. Off by default: the account already identifies them. */
  actorNames?: boolean;
}

/** The parts of a launch a statement needs. A user is required: an anonymous launch has no actor. */
export type StatementLaunch = Pick<LaunchContext, 'platform' | 'deployment' | 'context' | 'resourceLink' | 'locale'> & {
  user: Pick<NonNullable<LaunchContext['user']>, 'sub' | 'name'>;
};

export interface SpaceRef {
  id: string;
  title: string;
  kind: SpaceKind;
  /** The training event, epoch ms, when the space has one. */
  eventAt: number | null;
}
export interface ThreadRef {
  id: string;
  title: string;
  /** A Q&A thread asks a question; a discussion thread starts a conversation. */
  kind: 'discussion' | 'question';
}
export interface PostRef {
  id: string;
}
export interface PromptRef {
  id: string;
  text: string;
}
export interface TagRef {
  id: string;
  label: string;
}
/** One follow-up of the event: its reflection questions are the activity a learner reflects on. */
export interface FollowUpRef {
  id: string;
  /** Days after the event (7, 30, 90 …). */
  days: number;
}
/** A learner's action plan; the goal is its name. */
export interface PlanRef {
  id: string;
  goal: string;
}
export type PlanStatus = 'planned' | 'tried' | 'worked' | 'blocked';
/** A mentioned user; always on the actor's platform (mentions never cross platforms). */
export interface MentionedUser {
  sub: string;
  name?: string | null;
}

/** `id` is the act's own id (a row id, or a fresh id for a view); `at` is when it happened, epoch ms. */
interface ActBase {
  id: string;
  at: number;
}
/** Acts on a thread, or on one post in it when `post` is given. */
interface ThreadTarget {
  space: SpaceRef;
  thread: ThreadRef;
  post?: PostRef;
}

export type XapiAct =
  | (ActBase & { kind: 'launched' })
  | (ActBase & { kind: 'space_viewed'; space: SpaceRef })
  | (ActBase & { kind: 'thread_created'; space: SpaceRef; thread: ThreadRef; text: string })
  | (ActBase & { kind: 'reply_posted'; space: SpaceRef; thread: ThreadRef; post: PostRef; text: string })
  | (ActBase & { kind: 'prompt_answered'; space: SpaceRef; prompt: PromptRef; post: PostRef; text: string })
  | (ActBase & ThreadTarget & { kind: 'reacted'; reaction: string })
  | (ActBase & ThreadTarget & { kind: 'endorsed' })
  | (ActBase & { kind: 'answer_accepted'; space: SpaceRef; thread: ThreadRef; post: PostRef })
  | (ActBase & { kind: 'tag_applied'; space: SpaceRef; thread: ThreadRef; tag: TagRef })
  | (ActBase & ThreadTarget & { kind: 'post_edited'; text: string })
  | (ActBase & ThreadTarget & { kind: 'deleted' })
  | (ActBase & ThreadTarget & { kind: 'flagged'; reason?: string })
  | (ActBase & { kind: 'mentioned'; space: SpaceRef; thread: ThreadRef; post: PostRef; mentioned: MentionedUser })
  | (ActBase & { kind: 'searched'; space: SpaceRef; query: string })
  // Journey (issue 5): prep completion, follow-up reflections and action plans.
  | (ActBase & { kind: 'prep_completed'; space: SpaceRef })
  | (ActBase & { kind: 'reflected'; space: SpaceRef; followUp: FollowUpRef; text: string })
  | (ActBase & { kind: 'planned'; space: SpaceRef; plan: PlanRef; status: PlanStatus })
  | (ActBase & { kind: 'applied'; space: SpaceRef; plan: PlanRef; status: 'tried' | 'worked' })
  | (ActBase & { kind: 'barrier_reported'; space: SpaceRef; plan: PlanRef; status: PlanStatus; barrier: string })
  // The actor is the mentor (the launch's user); `learner` is whose plan it is.
  | (ActBase & { kind: 'plan_confirmed'; space: SpaceRef; plan: PlanRef; status: PlanStatus; learner: MentionedUser; comment: string });

export type XapiActKind = XapiAct['kind'];

/** Deterministic per act: a resend of the same act carries the same id, so an LRS never counts it twice. */
export function statementId(kind: XapiActKind, actId: string): string {
  return uuidv5(`${kind}:${actId}`, UUID_NAMESPACE);
}

/**
 * xAPI 1.0.3 Data §2.4.6 context.registration: one per learner per placement — UUIDv5 of
 * (issuer, deployment id, context id, resource link id, sub), so it is the same on every install
 * and every resend. JSON array encoding keeps the parts from running into each other.
 */
export function registrationId(launch: StatementLaunch): string {
  return uuidv5(
    JSON.stringify([launch.platform.issuer, launch.deployment.deploymentId, launch.context?.contextId ?? null, launch.resourceLink?.resourceLinkId ?? null, launch.user.sub]),
    UUID_NAMESPACE,
  );
}

export function buildStatement(act: XapiAct, launch: StatementLaunch, opts: StatementBuilderOptions): XapiStatement {
  const a = new Activities(opts.publicUrl.replace(/\/+$/, ''), launch);
  const lang = languageTag(launch.locale);
  const s = describe(act, a, launch, opts);
  const objectIsActivity = s.object.objectType === 'Activity';
  const objectId = s.object.objectType === 'Activity' ? s.object.id : null;
  // The course and link frame every statement, except where one of them is the object itself.
  const grouping = [a.course(), a.link(), ...(s.grouping ?? [])].filter((x): x is XapiActivity => x !== null && x.id !== objectId);
  const extensions: Record<string, JsonValue> = { [EXTENSION.lti]: ltiIds(launch), ...phaseOf(act, s.space) };
  for (const [k, v] of Object.entries(s.extensions ?? {})) extensions[k] = v;
  const context: XapiContext = {
    registration: registrationId(launch),
    contextActivities: {
      ...(s.parent ? { parent: [s.parent] } : {}),
      ...(grouping.length ? { grouping } : {}),
      // Profiles Part Two §5.0: statements following a profile SHOULD carry its version as a category.
      category: [{ objectType: 'Activity', id: PROFILE_VERSION_IRI, definition: { type: ACTIVITY_TYPE.profile } }],
      ...(s.other ? { other: s.other } : {}),
    },
    // xAPI 1.0.3 Data §2.4.6: platform (and revision) MUST NOT be used when the object is not an Activity.
    ...(objectIsActivity ? { platform: PLATFORM } : {}),
    ...(lang ? { language: lang } : {}),
    extensions,
  };
  return {
    id: statementId(act.kind, act.id),
    actor: agent(launch.user.sub, launch.user.name, launch, opts),
    verb: { id: VERB[s.verb], display: { en: VERB_DISPLAY[s.verb] } },
    object: s.object,
    // xAPI 1.0.3 Data §2.4.5: result.response is the learner's own text, where they wrote some;
    // result.completion says a completion act (prep completed) finished the activity.
    ...(s.response !== undefined || s.completion !== undefined
      ? { result: { ...(s.completion !== undefined ? { completion: s.completion } : {}), ...(s.response !== undefined ? { response: s.response } : {}) } }
      : {}),
    context,
    // xAPI 1.0.3 Data §2.4.7: timestamp is when the act happened, not when the statement is sent.
    timestamp: new Date(act.at).toISOString(),
  };
}

interface Described {
  verb: VerbKey;
  object: XapiActivity | XapiAgent;
  parent?: XapiActivity;
  /** Containers above the parent (the course and link are added for every statement). */
  grouping?: XapiActivity[];
  other?: XapiActivity[];
  response?: string;
  completion?: boolean;
  /** The space the act happened in, for the phase extensions. */
  space?: SpaceRef;
  extensions?: Record<string, JsonValue>;
}

function describe(act: XapiAct, a: Activities, launch: StatementLaunch, opts: StatementBuilderOptions): Described {
  switch (act.kind) {
    case 'launched': {
      const link = a.link() ?? a.course();
      if (!link) throw new TypeError('A launched statement needs a resource link or a course.');
      return { verb: 'launched', object: link };
    }
    case 'space_viewed':
      return { verb: 'viewed', object: a.space(act.space), space: act.space };
    case 'thread_created':
      return {
        verb: act.thread.kind === 'question' ? 'asked' : 'posted',
        object: a.thread(act.thread),
        parent: a.space(act.space),
        response: act.text,
        space: act.space,
      };
    case 'reply_posted':
      return { verb: 'replied', object: a.post(act.post), parent: a.thread(act.thread), grouping: [a.space(act.space)], response: act.text, space: act.space };
    case 'prompt_answered':
      return { verb: 'answered', object: a.prompt(act.prompt), parent: a.space(act.space), other: [a.post(act.post)], response: act.text, space: act.space };
    case 'reacted':
      return { verb: 'liked', ...target(a, act), space: act.space, extensions: { [EXTENSION.reaction]: act.reaction } };
    case 'endorsed':
      return { verb: 'endorsed', ...target(a, act), space: act.space };
    case 'answer_accepted':
      return { verb: 'accepted', object: a.post(act.post), parent: a.thread(act.thread), grouping: [a.space(act.space)], space: act.space };
    case 'tag_applied':
      // Activity Streams `tag` associates the object with a tag; the tag rides in `other`, as the
      // TinCan tag activity type recommends, so an LRS can find tagged threads by related activity.
      return { verb: 'tagged', object: a.thread(act.thread), parent: a.space(act.space), other: [a.tag(act.tag)], space: act.space };
    case 'post_edited':
      return { verb: 'edited', ...target(a, act), response: act.text, space: act.space };
    case 'deleted':
      return { verb: 'deleted', ...target(a, act), space: act.space };
    case 'flagged':
      return { verb: 'flagged', ...target(a, act), space: act.space, ...(act.reason ? { extensions: { [EXTENSION.flagReason]: act.reason } } : {}) };
    case 'mentioned':
      // TinCan `mentioned`: the object is whoever was mentioned, so it is an Agent; the post it
      // was written in is the parent.
      return {
        verb: 'mentioned',
        object: agent(act.mentioned.sub, act.mentioned.name ?? null, launch, opts),
        parent: a.post(act.post),
        grouping: [a.thread(act.thread), a.space(act.space)],
        space: act.space,
      };
    case 'searched':
      return { verb: 'searched', object: a.search(act.space), parent: a.space(act.space), response: act.query, space: act.space };
    case 'prep_completed':
      // The prep space is what was completed: its checklist is the space's prep work.
      return { verb: 'completed', object: a.space(act.space), completion: true, space: act.space };
    case 'reflected':
      return {
        verb: 'reflected',
        object: a.followUp(act.followUp),
        parent: a.space(act.space),
        response: act.text,
        space: act.space,
        extensions: { [EXTENSION.followUpDays]: act.followUp.days },
      };
    case 'planned':
      return { verb: 'planned', object: a.plan(act.plan), parent: a.space(act.space), response: act.plan.goal, space: act.space, extensions: { [EXTENSION.planStatus]: act.status } };
    case 'applied':
      return { verb: 'applied', object: a.plan(act.plan), parent: a.space(act.space), space: act.space, extensions: { [EXTENSION.planStatus]: act.status } };
    case 'barrier_reported':
      return {
        verb: 'reportedBarrier',
        object: a.plan(act.plan),
        parent: a.space(act.space),
        response: act.barrier,
        space: act.space,
        extensions: { [EXTENSION.planStatus]: act.status },
      };
    case 'plan_confirmed':
      return {
        verb: 'confirmed',
        object: a.plan(act.plan),
        parent: a.space(act.space),
        // xAPI 1.0.3 Data §2.4.5: the response is the mentor's comment (their own words).
        ...(act.comment ? { response: act.comment } : {}),
        space: act.space,
        extensions: { [EXTENSION.planStatus]: act.status, [EXTENSION.learner]: agent(act.learner.sub, act.learner.name ?? null, launch, opts) as unknown as JsonValue },
      };
  }
}

/** A thread-or-post act: the post inside its thread, or the thread inside its space. */
function target(a: Activities, t: ThreadTarget): Pick<Described, 'object' | 'parent' | 'grouping'> {
  return t.post ? { object: a.post(t.post), parent: a.thread(t.thread), grouping: [a.space(t.space)] } : { object: a.thread(t.thread), parent: a.space(t.space) };
}

/** xAPI 1.0.3 Data §2.4.2.4: the platform's issuer is the home page of the account, the LTI sub its name. */
function agent(sub: string, name: string | null, launch: StatementLaunch, opts: StatementBuilderOptions): XapiAgent {
  return {
    objectType: 'Agent',
    ...(opts.actorNames && name ? { name } : {}),
    account: { homePage: launch.platform.issuer, name: sub },
  };
}

/** Activity ids are stable URLs of this install; course and link ids are derived so they survive a re-import. */
class Activities {
  private readonly lang: string;
  constructor(
    private readonly base: string,
    private readonly launch: StatementLaunch,
  ) {
    this.lang = languageTag(launch.locale) ?? 'und';
  }

  private name(text: string | null | undefined): { name: LanguageMap } | Record<string, never> {
    return text ? { name: { [this.lang]: text } } : {};
  }

  course(): XapiActivity | null {
    const l = this.launch;
    if (!l.context) return null;
    const id = uuidv5(JSON.stringify([l.platform.issuer, l.deployment.deploymentId, l.context.contextId]), UUID_NAMESPACE);
    return { objectType: 'Activity', id: `${this.base}/xapi/courses/${id}`, definition: { type: ACTIVITY_TYPE.course, ...this.name(l.context.title) } };
  }

  link(): XapiActivity | null {
    const l = this.launch;
    if (!l.context || !l.resourceLink) return null;
    const id = uuidv5(JSON.stringify([l.platform.issuer, l.deployment.deploymentId, l.context.contextId, l.resourceLink.resourceLinkId]), UUID_NAMESPACE);
    return { objectType: 'Activity', id: `${this.base}/xapi/links/${id}`, definition: { type: ACTIVITY_TYPE.resourceLink, ...this.name(l.resourceLink.title) } };
  }

  space(s: SpaceRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/spaces/${enc(s.id)}`, definition: { type: ACTIVITY_TYPE.space, ...this.name(s.title) } };
  }

  thread(t: ThreadRef): XapiActivity {
    const type = t.kind === 'question' ? ACTIVITY_TYPE.question : ACTIVITY_TYPE.discussionThread;
    return { objectType: 'Activity', id: `${this.base}/threads/${enc(t.id)}`, definition: { type, ...this.name(t.title) } };
  }

  post(p: PostRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/posts/${enc(p.id)}`, definition: { type: ACTIVITY_TYPE.reply } };
  }

  prompt(p: PromptRef): XapiActivity {
    return {
      objectType: 'Activity',
      id: `${this.base}/prompts/${enc(p.id)}`,
      definition: { type: ACTIVITY_TYPE.question, ...(p.text ? { description: { [this.lang]: p.text } } : {}) },
    };
  }

  tag(t: TagRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/tags/${enc(t.id)}`, definition: { type: ACTIVITY_TYPE.tag, ...this.name(t.label) } };
  }

  followUp(f: FollowUpRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/follow-ups/${enc(f.id)}`, definition: { type: ACTIVITY_TYPE.question } };
  }

  plan(p: PlanRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/action-plans/${enc(p.id)}`, definition: { type: ACTIVITY_TYPE.goal, ...this.name(p.goal) } };
  }

  search(s: SpaceRef): XapiActivity {
    return { objectType: 'Activity', id: `${this.base}/spaces/${enc(s.id)}/search`, definition: { type: ACTIVITY_TYPE.search } };
  }
}

const enc = (id: string): string => encodeURIComponent(id);

/** The LTI identifiers behind a statement, named as in the LTI claims. */
function ltiIds(launch: StatementLaunch): Record<string, JsonValue> {
  return {
    iss: launch.platform.issuer,
    deployment_id: launch.deployment.deploymentId,
    ...(launch.context ? { context_id: launch.context.contextId } : {}),
    ...(launch.resourceLink ? { resource_link_id: launch.resourceLink.resourceLinkId } : {}),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Where the act falls around the training event. With an event time: before it is prep, from it on
 * post-event, and days-from-event counts the whole days between the two, negative before the event
 * (49 h before is −2; within a day either side is 0, told apart by the phase). Without an event
 * time, the space's kind says which phase it serves.
 */
function phaseOf(act: XapiAct, space: SpaceRef | undefined): Record<string, JsonValue> {
  if (!space) return {};
  if (space.eventAt === null) return { [EXTENSION.phase]: space.kind === 'prep' ? 'prep' : 'post-event' };
  return {
    [EXTENSION.phase]: act.at < space.eventAt ? 'prep' : 'post-event',
    // `|| 0` turns -0 into 0, which JSON would print as 0 anyway but deep equality would not.
    [EXTENSION.daysFromEvent]: Math.trunc((act.at - space.eventAt) / DAY_MS) || 0,
  };
}

/**
 * xAPI 1.0.3 Data §2.4.6 context.language and language-map keys are RFC 5646 tags; platforms send
 * locales like `en_US` or junk, so normalise and drop what is not a tag.
 */
export function languageTag(locale: string | null | undefined): string | null {
  if (!locale) return null;
  const tag = locale.trim().replace(/_/g, '-');
  return /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? tag : null;
}
