/**
 * Every IRI Threadline puts in an xAPI statement, in one place.
 *
 * Published vocabulary is reused wherever its definition fits (checked against the profiles in
 * adlnet/xapi-authored-profiles); we mint our own IRIs only where none does. xAPI 1.0.3 Data §2.4.3
 * (Verb): a verb IRI names a meaning, not a word, so a verb is reused only when its published
 * definition matches what the act means.
 */

/**
 * Our profile IRI. It must not depend on PUBLIC_URL: every install emits the same vocabulary, and
 * an LRS that collects from several installs must see one profile. w3id.org is a permanent-
 * identifier redirect service that the ADL-listed profiles already use (`https://w3id.org/xapi/
 * acrossx`, `…/video`, `…/cmi5`), so the IRI survives any change of our own domain or hosting.
 * The redirect to the published document still has to be registered (see docs/xapi.md); until
 * then the IRI is an identifier, which is all xAPI requires of it (xAPI Profiles Part Two §5.0).
 */
export const PROFILE_IRI = 'https://w3id.org/xapi/threadline';
/** The version statements cite; bump it (and add a `versions` entry) whenever a template changes. */
export const PROFILE_VERSION = '0.2.0';
/** Earlier versions, newest first: statements already stored cite these and stay valid. */
export const PROFILE_PREVIOUS_VERSIONS = [{ version: '0.1.0', generatedAtTime: '2026-11-27T00:00:00Z' }] as const;
export const PROFILE_VERSION_IRI = `${PROFILE_IRI}/v${PROFILE_VERSION}`;

export const VERB = {
  // ADL vocabulary (https://w3id.org/xapi/adl)
  launched: 'http://adlnet.gov/expapi/verbs/launched',
  asked: 'http://adlnet.gov/expapi/verbs/asked',
  answered: 'http://adlnet.gov/expapi/verbs/answered',
  // TinCan registry (https://registry.tincanapi.com)
  viewed: 'http://id.tincanapi.com/verb/viewed',
  replied: 'http://id.tincanapi.com/verb/replied',
  mentioned: 'http://id.tincanapi.com/verb/mentioned',
  // AcrossX (https://w3id.org/xapi/acrossx)
  posted: 'https://w3id.org/xapi/acrossx/verbs/posted',
  liked: 'https://w3id.org/xapi/acrossx/verbs/liked',
  edited: 'https://w3id.org/xapi/acrossx/verbs/edited',
  searched: 'https://w3id.org/xapi/acrossx/verbs/searched',
  // Activity Streams 1.0 as published in adlnet/xapi-authored-profiles (the IRIs Moodle uses)
  deleted: 'http://activitystrea.ms/delete',
  accepted: 'http://activitystrea.ms/accept',
  tagged: 'http://activitystrea.ms/tag',
  /**
   * AcrossX `reported` means "announced the result of an experience", not "reported abuse";
   * Activity Streams' flag-as-inappropriate is defined as exactly our flag act.
   */
  flagged: 'http://activitystrea.ms/flag-as-inappropriate',
  /**
   * Minted: an instructor's endorsement of a post. AcrossX `liked` ("approves of, recommends or
   * endorses") is broader and is what any learner's reaction sends; analytics must tell the two
   * apart, so endorsement gets its own verb with `broadMatch` liked in the profile.
   */
  endorsed: `${PROFILE_IRI}/verbs/endorsed`,
  // Journey (issue 5). ADL `completed`: "the actor finished or concluded the activity completely".
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  // DoD-ISD (https://w3id.org/xapi/dod-isd): `planned` an action plan, `applied` it on the job.
  planned: 'https://w3id.org/xapi/dod-isd/verbs/planned',
  applied: 'https://w3id.org/xapi/dod-isd/verbs/applied',
  /** Minted: no published verb means "looked back on what one applied" (XAPI-NOTES: mint reflections). */
  reflected: `${PROFILE_IRI}/verbs/reflected`,
  /**
   * Minted: "hit an obstacle while applying a plan". AcrossX `reported` means announcing a result,
   * and Activity Streams' flag is about inappropriate content, so neither fits.
   */
  reportedBarrier: `${PROFILE_IRI}/verbs/reported-barrier`,
  /**
   * DoD-ISD `confirmed`: "the actor verified the object". A mentor confirms a mentee's action plan
   * was applied on the job: the mentor is the actor, the plan the object.
   */
  confirmed: 'https://w3id.org/xapi/dod-isd/verbs/confirmed',
} as const;
export type VerbKey = keyof typeof VERB;

/** Display names (xAPI 1.0.3 Data §2.4.3: display is a language map, for humans only). */
export const VERB_DISPLAY: Record<VerbKey, string> = {
  launched: 'launched',
  asked: 'asked',
  answered: 'answered',
  viewed: 'viewed',
  replied: 'replied',
  mentioned: 'mentioned',
  posted: 'posted',
  liked: 'liked',
  edited: 'edited',
  searched: 'searched',
  deleted: 'deleted',
  accepted: 'accepted',
  tagged: 'tagged',
  flagged: 'flagged as inappropriate',
  endorsed: 'endorsed',
  completed: 'completed',
  planned: 'planned',
  applied: 'applied',
  reflected: 'reflected',
  reportedBarrier: 'reported a barrier',
  confirmed: 'confirmed',
};

export const ACTIVITY_TYPE = {
  /** A Threadline space: a prep or post-event discussion around one training event. */
  space: 'https://w3id.org/xapi/acrossx/activities/online-discussion',
  /** A discussion thread ("an ongoing conversation … such as a forum topic"). */
  discussionThread: 'http://id.tincanapi.com/activitytype/discussion',
  /** A Q&A thread, and a reflection prompt: both ask for an answer. */
  question: 'http://adlnet.gov/expapi/activities/question',
  /** A reply inside a thread. */
  reply: 'http://id.tincanapi.com/activitytype/forum-reply',
  tag: 'http://id.tincanapi.com/activitytype/tag',
  /** A space's search box. */
  search: 'https://w3id.org/xapi/acrossx/activities/search-engine',
  /** The LMS course (context), as Moodle and cmi5 describe a course. */
  course: 'https://w3id.org/xapi/cmi5/activitytype/course',
  /** Minted: the LTI resource link (the placement of Threadline in a course) that was launched. */
  resourceLink: `${PROFILE_IRI}/activity-types/lti-resource-link`,
  /** An action plan is a goal the learner sets for applying the training (TinCan `goal`). */
  goal: 'http://id.tincanapi.com/activitytype/goal',
  /** Category activity type for a profile version (the form cmi5, video and SCORM profiles use). */
  profile: 'http://adlnet.gov/expapi/activities/profile',
} as const;

/** Minted context extensions (xAPI 1.0.3 Data §2.4.6 context.extensions; Profiles §7.2). */
export const EXTENSION = {
  /** The LTI identifiers behind the statement: issuer, deployment, context and resource link ids. */
  lti: `${PROFILE_IRI}/extensions/lti`,
  /** `prep` or `post-event`: where the act falls relative to the training event. */
  phase: `${PROFILE_IRI}/extensions/phase`,
  /** Whole days between the event and the act, negative before it; only when the event time is known. */
  daysFromEvent: `${PROFILE_IRI}/extensions/days-from-event`,
  /** What kind of reaction a `liked` statement records (e.g. `like`, `insightful`). */
  reaction: `${PROFILE_IRI}/extensions/reaction`,
  /** Why a post was flagged, as the reporter chose it (e.g. `spam`, `off-topic`). */
  flagReason: `${PROFILE_IRI}/extensions/flag-reason`,
  /** Status of an action plan when the statement was made: planned, tried, worked or blocked. */
  planStatus: `${PROFILE_IRI}/extensions/plan-status`,
  /** The follow-up's offset in days after the event (7, 30, 90 or as the instructor set it). */
  followUpDays: `${PROFILE_IRI}/extensions/follow-up-days`,
  /**
   * The learner an act by someone else is about (a mentor's confirmation of their plan), as an
   * xAPI Agent. xAPI 1.0.3 has no context slot for "the learner" when the actor is a mentor
   * (`instructor` means the instructor, `team` a group the actor belongs to), so an extension says it.
   */
  learner: `${PROFILE_IRI}/extensions/learner`,
} as const;

/** xAPI 1.0.3 Data §2.4.6: platform names the system the experience happened on. */
export const PLATFORM = 'Threadline';

/**
 * Namespace for every UUIDv5 we derive (statement ids, registrations, course and link ids). It is
 * itself the UUIDv5 of the profile IRI in RFC 9562's URL namespace, so anyone can recompute it:
 * uuidv5('https://w3id.org/xapi/threadline', '6ba7b811-9dad-11d1-80b4-00c04fd430c8').
 * Never change it: every derived id would change with it and resends would count twice.
 */
export const UUID_NAMESPACE = 'c3e071ca-9d96-55fa-b0f9-cc24402a3738';
