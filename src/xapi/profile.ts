import type { XapiActKind } from './statement-builder.js';
import { ACTIVITY_TYPE, EXTENSION, PROFILE_IRI, PROFILE_PREVIOUS_VERSIONS, PROFILE_VERSION_IRI, VERB } from './vocabulary.js';

/**
 * Threadline's statements described as an xAPI Profile (JSON-LD, xAPI Profiles Part Two, structure
 * as in adlnet/xapi-profiles). It defines only what we minted (concepts) and describes every
 * statement we send (templates), reusing the published IRIs in vocabulary.ts. Served at
 * GET /xapi/profile; it names no install-specific URL, so every install serves the same document.
 */

type LanguageMap = Record<string, string>;

export interface TemplateRule {
  location: string;
  presence?: 'included' | 'excluded' | 'recommended';
  any?: string[];
  all?: string[];
  none?: string[];
  scopeNote?: LanguageMap;
}

export interface StatementTemplate {
  id: string;
  type: 'StatementTemplate';
  inScheme: string;
  prefLabel: LanguageMap;
  definition: LanguageMap;
  allowedSolo: boolean;
  verb: string;
  objectActivityType?: string;
  contextParentActivityType?: string[];
  contextGroupingActivityType?: string[];
  contextOtherActivityType?: string[];
  contextCategoryActivityType?: string[];
  rules: TemplateRule[];
}

interface Concept {
  id: string;
  type: 'Verb' | 'ActivityType' | 'ContextExtension';
  inScheme: string;
  prefLabel: LanguageMap;
  definition: LanguageMap;
  broadMatch?: string[];
  recommendedVerbs?: string[];
  inlineSchema?: string;
}

export interface XapiProfileDocument {
  '@context': string;
  id: string;
  type: 'Profile';
  conformsTo: string;
  prefLabel: LanguageMap;
  definition: LanguageMap;
  versions: Array<{ id: string; generatedAtTime: string; wasRevisionOf?: string[] }>;
  author: { type: 'Organization'; name: string };
  concepts: Concept[];
  templates: StatementTemplate[];
}

const en = (text: string): LanguageMap => ({ en: text });
const scheme = PROFILE_VERSION_IRI;
const ext = (iri: string): string => `$.context.extensions['${iri}']`;

/** Rules every Threadline statement follows, whatever the act. */
const COMMON_RULES: TemplateRule[] = [
  { location: '$.id', presence: 'included', scopeNote: en('UUIDv5 of the act kind and act id: a resend of the same act carries the same id.') },
  { location: '$.timestamp', presence: 'included', scopeNote: en('When the act happened.') },
  { location: '$.actor.objectType', presence: 'included', all: ['Agent'] },
  { location: '$.actor.account.homePage', presence: 'included', scopeNote: en("The LTI platform's issuer.") },
  { location: '$.actor.account.name', presence: 'included', scopeNote: en('The LTI sub of the user on that platform.') },
  { location: '$.actor.mbox', presence: 'excluded' },
  { location: '$.context.registration', presence: 'included', scopeNote: en('UUIDv5 of (issuer, deployment id, context id, resource link id, sub).') },
  { location: '$.context.contextActivities.category[*].id', presence: 'included', any: [PROFILE_VERSION_IRI] },
  { location: ext(EXTENSION.lti), presence: 'included' },
];
const ACTIVITY_OBJECT: TemplateRule[] = [{ location: '$.context.platform', presence: 'included', all: ['Threadline'] }];
const IN_SPACE: TemplateRule[] = [
  { location: ext(EXTENSION.phase), presence: 'included', any: ['prep', 'post-event'] },
  { location: ext(EXTENSION.daysFromEvent), presence: 'recommended', scopeNote: en('Present when the space has an event time.') },
];
const RESPONSE: TemplateRule[] = [{ location: '$.result.response', presence: 'included', scopeNote: en('The text the learner wrote.') }];
const PLAN_STATUS: TemplateRule[] = [{ location: ext(EXTENSION.planStatus), presence: 'included', any: ['planned', 'tried', 'worked', 'blocked'] }];
const THREAD_OR_POST: TemplateRule[] = [
  {
    location: '$.object.definition.type',
    presence: 'included',
    any: [ACTIVITY_TYPE.discussionThread, ACTIVITY_TYPE.question, ACTIVITY_TYPE.reply],
    scopeNote: en('A whole thread (parent: its space) or one post in it (parent: its thread).'),
  },
];

function template(
  kind: XapiActKind | 'question_asked',
  label: string,
  definition: string,
  t: Omit<StatementTemplate, 'id' | 'type' | 'inScheme' | 'prefLabel' | 'definition' | 'allowedSolo' | 'rules'> & { rules?: TemplateRule[] },
): StatementTemplate {
  return {
    id: `${PROFILE_IRI}/templates/${kind.replace(/_/g, '-')}`,
    type: 'StatementTemplate',
    inScheme: scheme,
    prefLabel: en(label),
    definition: en(definition),
    // Profiles Part Two §8.0: a template outside any Pattern must be allowed solo.
    allowedSolo: true,
    ...t,
    contextCategoryActivityType: [ACTIVITY_TYPE.profile],
    rules: [...COMMON_RULES, ...(t.rules ?? [])],
  };
}

/** One template per act the statement builder knows (a thread created is `posted` or `asked`). */
export const TEMPLATES: Record<XapiActKind | 'question_asked', StatementTemplate> = {
  launched: template('launched', 'Launched', 'A user opened Threadline from a course link (an LTI resource link launch).', {
    verb: VERB.launched,
    objectActivityType: ACTIVITY_TYPE.resourceLink,
    contextGroupingActivityType: [ACTIVITY_TYPE.course],
    rules: ACTIVITY_OBJECT,
  }),
  space_viewed: template('space_viewed', 'Viewed a space', 'A user opened a discussion space.', {
    verb: VERB.viewed,
    objectActivityType: ACTIVITY_TYPE.space,
    contextGroupingActivityType: [ACTIVITY_TYPE.course],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE],
  }),
  thread_created: template('thread_created', 'Started a discussion', 'A user started a discussion thread in a space.', {
    verb: VERB.posted,
    objectActivityType: ACTIVITY_TYPE.discussionThread,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE],
  }),
  question_asked: template('question_asked', 'Asked a question', 'A user started a Q&A thread in a space.', {
    verb: VERB.asked,
    objectActivityType: ACTIVITY_TYPE.question,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE],
  }),
  reply_posted: template('reply_posted', 'Replied', 'A user replied in a thread.', {
    verb: VERB.replied,
    objectActivityType: ACTIVITY_TYPE.reply,
    contextGroupingActivityType: [ACTIVITY_TYPE.space],
    rules: [
      ...ACTIVITY_OBJECT,
      ...IN_SPACE,
      ...RESPONSE,
      { location: '$.context.contextActivities.parent[*].definition.type', presence: 'included', any: [ACTIVITY_TYPE.discussionThread, ACTIVITY_TYPE.question] },
    ],
  }),
  prompt_answered: template('prompt_answered', 'Answered a prompt', "A user answered a space's reflection prompt; the answer post is in context `other`.", {
    verb: VERB.answered,
    objectActivityType: ACTIVITY_TYPE.question,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    contextOtherActivityType: [ACTIVITY_TYPE.reply],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE],
  }),
  reacted: template('reacted', 'Reacted', 'A user reacted to a thread or a post.', {
    verb: VERB.liked,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...THREAD_OR_POST, { location: ext(EXTENSION.reaction), presence: 'included' }],
  }),
  endorsed: template('endorsed', 'Endorsed', 'An instructor endorsed a thread or a post.', {
    verb: VERB.endorsed,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...THREAD_OR_POST],
  }),
  answer_accepted: template('answer_accepted', 'Accepted an answer', 'A user accepted a reply as the answer to a Q&A thread.', {
    verb: VERB.accepted,
    objectActivityType: ACTIVITY_TYPE.reply,
    contextParentActivityType: [ACTIVITY_TYPE.question],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE],
  }),
  tag_applied: template('tag_applied', 'Tagged a thread', 'A user tagged a thread; the tag is in context `other`.', {
    verb: VERB.tagged,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    contextOtherActivityType: [ACTIVITY_TYPE.tag],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, { location: '$.object.definition.type', presence: 'included', any: [ACTIVITY_TYPE.discussionThread, ACTIVITY_TYPE.question] }],
  }),
  post_edited: template('post_edited', 'Edited', 'A user edited a thread or a post; the response is the new text.', {
    verb: VERB.edited,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...THREAD_OR_POST, ...RESPONSE],
  }),
  deleted: template('deleted', 'Deleted', 'A user deleted a thread or a post.', {
    verb: VERB.deleted,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...THREAD_OR_POST],
  }),
  flagged: template('flagged', 'Flagged', 'A user flagged a thread or a post as inappropriate.', {
    verb: VERB.flagged,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...THREAD_OR_POST, { location: ext(EXTENSION.flagReason), presence: 'recommended' }],
  }),
  mentioned: template('mentioned', 'Mentioned someone', 'A user mentioned another user in a post; the object is the person mentioned.', {
    verb: VERB.mentioned,
    contextParentActivityType: [ACTIVITY_TYPE.reply],
    rules: [
      { location: '$.object.objectType', presence: 'included', all: ['Agent'] },
      { location: '$.object.account.name', presence: 'included' },
      // xAPI 1.0.3 Data §2.4.6: platform only when the object is an Activity.
      { location: '$.context.platform', presence: 'excluded' },
      ...IN_SPACE,
    ],
  }),
  searched: template('searched', 'Searched', "A user searched a space; the response is the query.", {
    verb: VERB.searched,
    objectActivityType: ACTIVITY_TYPE.search,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE],
  }),
  prep_completed: template('prep_completed', 'Completed prep', "A learner first met the prep space's completion rule (required prompts answered, peer replies if asked).", {
    verb: VERB.completed,
    objectActivityType: ACTIVITY_TYPE.space,
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, { location: '$.result.completion', presence: 'included', scopeNote: en('Always true: the statement is sent once, when the rule is first met.') }],
  }),
  reflected: template('reflected', 'Reflected', 'A learner answered a follow-up\'s reflection questions (applied, helped, got in the way); the response is the answers.', {
    verb: VERB.reflected,
    objectActivityType: ACTIVITY_TYPE.question,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE, { location: ext(EXTENSION.followUpDays), presence: 'included' }],
  }),
  planned: template('planned', 'Planned', 'A learner set an action plan; the object is the plan, named by its goal.', {
    verb: VERB.planned,
    objectActivityType: ACTIVITY_TYPE.goal,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE, ...PLAN_STATUS],
  }),
  applied: template('applied', 'Applied', "A learner moved an action plan to 'tried' or 'worked': they applied it on the job.", {
    verb: VERB.applied,
    objectActivityType: ACTIVITY_TYPE.goal,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, { location: ext(EXTENSION.planStatus), presence: 'included', any: ['tried', 'worked'] }],
  }),
  barrier_reported: template('barrier_reported', 'Reported a barrier', 'A learner described what got in the way of an action plan; the response is the barrier.', {
    verb: VERB.reportedBarrier,
    objectActivityType: ACTIVITY_TYPE.goal,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [...ACTIVITY_OBJECT, ...IN_SPACE, ...RESPONSE, ...PLAN_STATUS],
  }),
  plan_confirmed: template('plan_confirmed', 'Confirmed by mentor', "A mentor (LTI role_scope_mentor) confirmed that a mentee applied an action plan on the job; the actor is the mentor, the response their comment.", {
    verb: VERB.confirmed,
    objectActivityType: ACTIVITY_TYPE.goal,
    contextParentActivityType: [ACTIVITY_TYPE.space],
    rules: [
      ...ACTIVITY_OBJECT,
      ...IN_SPACE,
      ...PLAN_STATUS,
      { location: '$.result.response', presence: 'recommended', scopeNote: en("The mentor's comment, when they wrote one.") },
      { location: ext(EXTENSION.learner), presence: 'included', scopeNote: en('The mentee whose plan it is, as an Agent (platform account).') },
    ],
  }),
};

/** When this version of the profile was written; a new version gets a new entry, never an edit. */
// 0.2.0 adds the mentor's `confirmed` template and the learner extension (journey, issue 5).
const VERSION_DATE = '2026-12-01T00:00:00Z';

const CONCEPTS: Concept[] = [
  {
    id: VERB.endorsed,
    type: 'Verb',
    inScheme: scheme,
    prefLabel: en('endorsed'),
    definition: en('Indicates that an instructor (or another trusted role) vouched for the object, typically a post, as accurate or exemplary. Narrower than a reaction: only staff endorse.'),
    broadMatch: [VERB.liked],
  },
  {
    id: ACTIVITY_TYPE.resourceLink,
    type: 'ActivityType',
    inScheme: scheme,
    prefLabel: en('LTI resource link'),
    definition: en('A placement of a tool in a course, as an LTI 1.3 resource link: what a learner launches. Its id is derived from the issuer, deployment id, context id and resource link id.'),
  },
  {
    id: EXTENSION.lti,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('LTI identifiers'),
    definition: en('The LTI 1.3 identifiers the statement came from, named as in the LTI claims: iss, deployment_id, context_id, resource_link_id.'),
    inlineSchema: JSON.stringify({
      type: 'object',
      properties: { iss: { type: 'string' }, deployment_id: { type: 'string' }, context_id: { type: 'string' }, resource_link_id: { type: 'string' } },
      required: ['iss', 'deployment_id'],
    }),
  },
  {
    id: EXTENSION.phase,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('phase'),
    definition: en("Where the act falls around the training event: 'prep' before it, 'post-event' from it on. Without an event time, the kind of space decides."),
    inlineSchema: JSON.stringify({ type: 'string', enum: ['prep', 'post-event'] }),
  },
  {
    id: EXTENSION.daysFromEvent,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('days from event'),
    definition: en('Whole days (24 h) between the training event and the act, negative before the event: trunc((timestamp - event) / 24 h), so 49 hours before is -2 and anything within a day either side is 0 (the phase tells which side). Only when the event time is known.'),
    inlineSchema: JSON.stringify({ type: 'integer' }),
  },
  {
    id: EXTENSION.reaction,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('reaction'),
    definition: en("The kind of reaction a 'liked' statement records, e.g. 'like' or 'insightful'."),
    recommendedVerbs: [VERB.liked],
    inlineSchema: JSON.stringify({ type: 'string' }),
  },
  {
    id: EXTENSION.flagReason,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('flag reason'),
    definition: en("Why a post was flagged, as the reporter chose it, e.g. 'spam' or 'off-topic'."),
    recommendedVerbs: [VERB.flagged],
    inlineSchema: JSON.stringify({ type: 'string' }),
  },
  {
    id: VERB.reflected,
    type: 'Verb',
    inScheme: scheme,
    prefLabel: en('reflected'),
    definition: en('Indicates that the actor looked back on what they applied from a training, what helped and what got in the way, and wrote it down.'),
  },
  {
    id: VERB.reportedBarrier,
    type: 'Verb',
    inScheme: scheme,
    prefLabel: en('reported a barrier'),
    definition: en('Indicates that the actor described an obstacle that kept them from carrying out the object, typically an action plan.'),
  },
  {
    id: EXTENSION.planStatus,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('plan status'),
    definition: en("The action plan's status when the statement was made: 'planned', 'tried', 'worked' or 'blocked'."),
    recommendedVerbs: [VERB.planned, VERB.applied, VERB.reportedBarrier],
    inlineSchema: JSON.stringify({ type: 'string', enum: ['planned', 'tried', 'worked', 'blocked'] }),
  },
  {
    id: EXTENSION.followUpDays,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('follow-up days'),
    definition: en('The follow-up a reflection answers, as its offset in days after the training event (e.g. 7, 30, 90).'),
    recommendedVerbs: [VERB.reflected],
    inlineSchema: JSON.stringify({ type: 'integer' }),
  },
  {
    id: EXTENSION.learner,
    type: 'ContextExtension',
    inScheme: scheme,
    prefLabel: en('learner'),
    definition: en("The learner a statement by someone else is about, as an xAPI Agent identified by platform account (e.g. the mentee whose action plan a mentor confirmed)."),
    recommendedVerbs: [VERB.confirmed],
    inlineSchema: JSON.stringify({ type: 'object', properties: { objectType: { const: 'Agent' }, account: { type: 'object', properties: { homePage: { type: 'string' }, name: { type: 'string' } }, required: ['homePage', 'name'] } }, required: ['account'] }),
  },
];

export function xapiProfile(): XapiProfileDocument {
  return {
    '@context': 'https://w3id.org/xapi/profiles/context',
    id: PROFILE_IRI,
    type: 'Profile',
    conformsTo: 'https://w3id.org/xapi/profiles#1.0',
    prefLabel: en('Threadline'),
    definition: en('Statements from Threadline, an LTI 1.3 tool for discussion before and after training events: launches, views and discussion acts.'),
    // xAPI Profiles §3.1: versions newest first; each names the one it revises.
    versions: [
      { id: PROFILE_VERSION_IRI, generatedAtTime: VERSION_DATE, wasRevisionOf: PROFILE_PREVIOUS_VERSIONS.slice(0, 1).map((v) => `${PROFILE_IRI}/v${v.version}`) },
      ...PROFILE_PREVIOUS_VERSIONS.map((v, i) => ({ id: `${PROFILE_IRI}/v${v.version}`, generatedAtTime: v.generatedAtTime, ...(PROFILE_PREVIOUS_VERSIONS[i + 1] ? { wasRevisionOf: [`${PROFILE_IRI}/v${PROFILE_PREVIOUS_VERSIONS[i + 1]!.version}`] } : {}) })),
    ],
    author: { type: 'Organization', name: 'Threadline' },
    concepts: CONCEPTS,
    templates: Object.values(TEMPLATES),
  };
}

/** Which template a built statement follows (a created thread is `posted` or `asked` by its kind). */
export function templateKey(kind: XapiActKind, verbId: string): XapiActKind | 'question_asked' {
  return kind === 'thread_created' && verbId === VERB.asked ? 'question_asked' : kind;
}
