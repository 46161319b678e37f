import { expect } from 'chai';
import { v5 as uuidv5 } from 'uuid';
import { mapRoles } from '../../src/lti/claims.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { TEMPLATES, templateKey, xapiProfile, type TemplateRule } from '../../src/xapi/profile.js';
import {
  buildStatement,
  languageTag,
  registrationId,
  statementId,
  type SpaceRef,
  type StatementLaunch,
  type ThreadRef,
  type XapiAct,
  type XapiActKind,
} from '../../src/xapi/statement-builder.js';
import type { XapiActivity, XapiStatement } from '../../src/xapi/statement.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { ACTIVITY_TYPE, EXTENSION, PROFILE_IRI, PROFILE_VERSION_IRI, UUID_NAMESPACE, VERB } from '../../src/xapi/vocabulary.js';

const PUBLIC_URL = 'https://threadline.example.edu';
const opts = { publicUrl: PUBLIC_URL };
const DAY = 24 * 3600 * 1000;
const EVENT_AT = Date.UTC(2026, 11, 1, 9, 0);

const launch: LaunchContext & StatementLaunch = {
  messageType: 'LtiResourceLinkRequest',
  platform: { id: 'p-row', issuer: 'https://lms.example.edu', clientId: 'client-1', productFamily: 'canvas' },
  deployment: { id: 'd-row', deploymentId: 'dep-1' },
  user: { id: 'u-row', sub: 'sub-42', name: 'Ada Learner', email: 'ada@example.edu', picture: null },
  context: { id: 'c-row', contextId: 'course-9', label: 'C9', title: 'Leading Teams' },
  resourceLink: { id: 'rl-row', resourceLinkId: 'link-3', title: 'Week 1 prep' },
  roles: mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']),
  mentees: [],
  locale: 'en-US',
  returnUrl: null,
  documentTarget: 'iframe',
  custom: {},
  nrps: null,
  ags: null,
  deepLinking: null,
  launchedAt: EVENT_AT - 3 * DAY,
};

const space: SpaceRef = { id: 'space-1', title: 'Before the workshop', kind: 'prep', eventAt: EVENT_AT };
const thread: ThreadRef = { id: 'thread-1', title: 'What do you hope to learn?', kind: 'discussion' };
const question: ThreadRef = { id: 'thread-2', title: 'Where is the venue?', kind: 'question' };
const at = EVENT_AT - 2 * DAY - 3600_000;

/** One act of every kind the builder knows; the mapped type makes a missing kind a compile error. */
const samples: { [K in XapiActKind]: Extract<XapiAct, { kind: K }> } = {
  launched: { kind: 'launched', id: 'state-abc', at },
  space_viewed: { kind: 'space_viewed', id: 'view-1', at, space },
  thread_created: { kind: 'thread_created', id: 'thread-1', at, space, thread, text: 'Tell us what you hope to take away.' },
  reply_posted: { kind: 'reply_posted', id: 'post-1', at, space, thread, post: { id: 'post-1' }, text: 'Better one-to-ones.' },
  prompt_answered: { kind: 'prompt_answered', id: 'post-2', at, space, prompt: { id: 'prompt-1', text: 'What will you try first?' }, post: { id: 'post-2' }, text: 'Weekly check-ins.' },
  reacted: { kind: 'reacted', id: 'reaction-1', at, space, thread, post: { id: 'post-1' }, reaction: 'insightful' },
  endorsed: { kind: 'endorsed', id: 'endorsement-1', at, space, thread, post: { id: 'post-1' } },
  answer_accepted: { kind: 'answer_accepted', id: 'accept-1', at, space, thread: question, post: { id: 'post-3' } },
  tag_applied: { kind: 'tag_applied', id: 'tagging-1', at, space, thread, tag: { id: 'tag-1', label: 'feedback' } },
  post_edited: { kind: 'post_edited', id: 'revision-1', at, space, thread, post: { id: 'post-1' }, text: 'Better one-to-ones, weekly.' },
  deleted: { kind: 'deleted', id: 'post-1', at, space, thread, post: { id: 'post-1' } },
  flagged: { kind: 'flagged', id: 'flag-1', at, space, thread, reason: 'off-topic' },
  mentioned: { kind: 'mentioned', id: 'mention-1', at, space, thread, post: { id: 'post-1' }, mentioned: { sub: 'sub-7', name: 'Grace Peer' } },
  searched: { kind: 'searched', id: 'search-1', at, space, query: 'venue parking' },
  prep_completed: { kind: 'prep_completed', id: 'completion-1', at, space },
  reflected: { kind: 'reflected', id: 'reflection-1', at, space, followUp: { id: 'follow-up-1', days: 7 }, text: 'I ran two check-ins.' },
  planned: { kind: 'planned', id: 'plan-1', at, space, plan: { id: 'plan-1', goal: 'Weekly one-to-ones' }, status: 'planned' },
  applied: { kind: 'applied', id: 'plan-change-1', at, space, plan: { id: 'plan-1', goal: 'Weekly one-to-ones' }, status: 'worked' },
  barrier_reported: { kind: 'barrier_reported', id: 'plan-change-2', at, space, plan: { id: 'plan-1', goal: 'Weekly one-to-ones' }, status: 'blocked', barrier: 'No meeting room.' },
  plan_confirmed: { kind: 'plan_confirmed', id: 'confirmation-1', at, space, plan: { id: 'plan-1', goal: 'Weekly one-to-ones' }, status: 'worked', learner: { sub: 'mentee-7' }, comment: 'Seen it in the team meeting.' },
};
const acts = Object.values(samples) as XapiAct[];

/** Enough JSONPath for template rules: `$.a.b`, `[*]`, `['iri']`. */
function select(doc: unknown, location: string): unknown[] {
  const tokens = [...location.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\['([^']+)'\]|\[\*\]/g)];
  let current: unknown[] = [doc];
  for (const t of tokens) {
    const key = t[1] ?? t[2];
    const next: unknown[] = [];
    for (const c of current) {
      if (key === undefined) {
        if (Array.isArray(c)) next.push(...c);
      } else if (c && typeof c === 'object' && key in c) {
        next.push((c as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}

/** Profiles Part Two §8.1: what a statement must satisfy for one rule. */
function ruleProblems(s: XapiStatement, r: TemplateRule): string[] {
  const values = select(s, r.location);
  const out: string[] = [];
  if (r.presence === 'included' && values.length === 0) out.push(`${r.location} missing`);
  if (r.presence === 'excluded' && values.length > 0) out.push(`${r.location} must be absent`);
  if (values.length && r.any && !values.some((v) => r.any!.includes(String(v)))) out.push(`${r.location} none of ${r.any.join(', ')}`);
  if (values.length && r.all && !values.every((v) => r.all!.includes(String(v)))) out.push(`${r.location} not all in ${r.all.join(', ')}`);
  return out;
}

const types = (list: XapiActivity[] | undefined): string[] => (list ?? []).map((a) => a.definition?.type ?? '');

describe('xAPI statement builder', () => {
  for (const act of acts) {
    describe(act.kind, () => {
      const s = buildStatement(act, launch, opts);

      it('passes @learninglocker/xapi-validation', () => {
        expect(xapiProblems(s)).to.deep.equal([]);
      });

      it('has a deterministic id and the act time', () => {
        expect(s.id).to.equal(statementId(act.kind, act.id));
        expect(s.id).to.equal(uuidv5(`${act.kind}:${act.id}`, UUID_NAMESPACE));
        expect(buildStatement(act, launch, opts)).to.deep.equal(s);
        expect(s.timestamp).to.equal(new Date(act.at).toISOString());
      });

      it('names the actor by platform account only, and frames the statement in course, link and profile', () => {
        expect(s.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'sub-42' } });
        const ctx = s.context!;
        expect(ctx.registration).to.equal(registrationId(launch));
        expect(ctx.contextActivities!.category).to.deep.equal([{ objectType: 'Activity', id: PROFILE_VERSION_IRI, definition: { type: ACTIVITY_TYPE.profile } }]);
        expect(types(ctx.contextActivities!.grouping)).to.include(ACTIVITY_TYPE.course);
        expect(ctx.extensions![EXTENSION.lti]).to.deep.equal({ iss: 'https://lms.example.edu', deployment_id: 'dep-1', context_id: 'course-9', resource_link_id: 'link-3' });
        // xAPI 1.0.3 Data §2.4.6: platform only when the object is an Activity.
        if (s.object.objectType === 'Activity') expect(ctx.platform).to.equal('Threadline');
        else expect(ctx).not.to.have.property('platform');
      });

      it('follows its template in the profile', () => {
        const t = TEMPLATES[templateKey(act.kind, s.verb.id)];
        expect(s.verb.id).to.equal(t.verb);
        if (t.objectActivityType) expect((s.object as XapiActivity).definition?.type).to.equal(t.objectActivityType);
        const ca = s.context!.contextActivities!;
        for (const type of t.contextParentActivityType ?? []) expect(types(ca.parent)).to.include(type);
        for (const type of t.contextGroupingActivityType ?? []) expect(types(ca.grouping)).to.include(type);
        for (const type of t.contextOtherActivityType ?? []) expect(types(ca.other)).to.include(type);
        for (const type of t.contextCategoryActivityType ?? []) expect(types(ca.category)).to.include(type);
        expect(t.rules.flatMap((r) => ruleProblems(s, r))).to.deep.equal([]);
      });
    });
  }

  it('is checked by a validator that does catch bad statements', () => {
    const s = buildStatement(samples.launched, launch, opts);
    expect(xapiProblems({ ...s, verb: { id: 'launched' } })).not.to.be.empty;
    expect(xapiProblems({ ...s, timestamp: 'yesterday' })).not.to.be.empty;
    expect(xapiProblems({ ...s, context: { ...s.context, registration: 'nope' } })).not.to.be.empty;
  });

  it('gives every act kind its own statement id, even for the same act id', () => {
    const ids = acts.map((a) => statementId(a.kind, 'same'));
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('derives its UUID namespace from the profile IRI, so anyone can recompute ids', () => {
    expect(UUID_NAMESPACE).to.equal(uuidv5(PROFILE_IRI, uuidv5.URL));
  });

  it('keeps the registration stable per learner and placement, and install-independent', () => {
    const expected = uuidv5(JSON.stringify(['https://lms.example.edu', 'dep-1', 'course-9', 'link-3', 'sub-42']), UUID_NAMESPACE);
    expect(registrationId(launch)).to.equal(expected);
    // Row ids and PUBLIC_URL do not enter it.
    expect(registrationId({ ...launch, context: { ...launch.context!, id: 'other-row' } })).to.equal(expected);
    expect(buildStatement(samples.launched, launch, { publicUrl: 'https://elsewhere.example' }).context!.registration).to.equal(expected);
    expect(registrationId({ ...launch, user: { ...launch.user, sub: 'sub-43' } })).not.to.equal(expected);
    expect(registrationId({ ...launch, resourceLink: { ...launch.resourceLink!, resourceLinkId: 'link-4' } })).not.to.equal(expected);
  });

  it('uses stable tool URLs as activity ids', () => {
    expect(buildStatement(samples.space_viewed, launch, opts).object).to.include({ id: `${PUBLIC_URL}/spaces/space-1` });
    expect(buildStatement(samples.thread_created, launch, opts).object).to.include({ id: `${PUBLIC_URL}/threads/thread-1` });
    expect(buildStatement(samples.reply_posted, launch, opts).object).to.include({ id: `${PUBLIC_URL}/posts/post-1` });
    const course = buildStatement(samples.launched, launch, opts).context!.contextActivities!.grouping![0]!;
    expect(course.id).to.equal(`${PUBLIC_URL}/xapi/courses/${uuidv5(JSON.stringify(['https://lms.example.edu', 'dep-1', 'course-9']), UUID_NAMESPACE)}`);
    expect(course.definition).to.deep.equal({ type: ACTIVITY_TYPE.course, name: { 'en-US': 'Leading Teams' } });
  });

  it('launched: the resource link is the object, and is not repeated in grouping', () => {
    const s = buildStatement(samples.launched, launch, opts);
    expect(s.verb).to.deep.equal({ id: VERB.launched, display: { en: 'launched' } });
    expect((s.object as XapiActivity).definition).to.deep.equal({ type: ACTIVITY_TYPE.resourceLink, name: { 'en-US': 'Week 1 prep' } });
    expect(s.context!.contextActivities!.grouping!.map((g) => g.id)).not.to.include((s.object as XapiActivity).id);
    expect(s).not.to.have.property('result');
  });

  it('a question thread is asked, a discussion thread posted', () => {
    expect(buildStatement(samples.thread_created, launch, opts).verb.id).to.equal(VERB.posted);
    const asked = buildStatement({ ...samples.thread_created, thread: question }, launch, opts);
    expect(asked.verb.id).to.equal(VERB.asked);
    expect((asked.object as XapiActivity).definition?.type).to.equal(ACTIVITY_TYPE.question);
  });

  it('puts written text in result.response, and only there', () => {
    const withText: XapiActKind[] = ['thread_created', 'reply_posted', 'prompt_answered', 'post_edited', 'searched', 'reflected', 'planned', 'barrier_reported', 'plan_confirmed'];
    for (const act of acts) {
      const s = buildStatement(act, launch, opts);
      if (withText.includes(act.kind)) expect(s.result?.response, act.kind).to.be.a('string').and.not.empty;
      else if (act.kind === 'prep_completed') expect(s.result, act.kind).to.deep.equal({ completion: true });
      else expect(s, act.kind).not.to.have.property('result');
    }
  });

  it('a reply sits in its thread, grouped under its space', () => {
    const s = buildStatement(samples.reply_posted, launch, opts);
    expect(s.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([`${PUBLIC_URL}/threads/thread-1`]);
    expect(s.context!.contextActivities!.grouping!.map((p) => p.id)).to.include(`${PUBLIC_URL}/spaces/space-1`);
  });

  it('acts on a whole thread sit in the space', () => {
    const s = buildStatement(samples.flagged, launch, opts);
    expect((s.object as XapiActivity).id).to.equal(`${PUBLIC_URL}/threads/thread-1`);
    expect(s.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([`${PUBLIC_URL}/spaces/space-1`]);
    expect(s.context!.extensions![EXTENSION.flagReason]).to.equal('off-topic');
  });

  it('a mention has the mentioned person as an Agent object and no platform', () => {
    const s = buildStatement(samples.mentioned, launch, opts);
    expect(s.object).to.deep.equal({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'sub-7' } });
    expect(s.context).not.to.have.property('platform');
  });

  it('sends display names only when the install opts in', () => {
    const s = buildStatement(samples.mentioned, launch, { ...opts, actorNames: true });
    expect(s.actor.name).to.equal('Ada Learner');
    expect(s.object).to.include({ name: 'Grace Peer' });
    expect(xapiProblems(s)).to.deep.equal([]);
    expect(buildStatement(samples.launched, { ...launch, user: { sub: 'x', name: null } }, { ...opts, actorNames: true }).actor).not.to.have.property('name');
  });

  it('places the act around the event: phase and days from the event', () => {
    const ext = (s: XapiStatement) => s.context!.extensions!;
    const before = buildStatement({ ...samples.space_viewed, at: EVENT_AT - 36 * 3600_000 }, launch, opts);
    expect(ext(before)[EXTENSION.phase]).to.equal('prep');
    expect(ext(before)[EXTENSION.daysFromEvent]).to.equal(-1);
    const justBefore = buildStatement({ ...samples.space_viewed, at: EVENT_AT - 60_000 }, launch, opts);
    expect(ext(justBefore)[EXTENSION.phase]).to.equal('prep');
    expect(ext(justBefore)[EXTENSION.daysFromEvent]).to.equal(0);
    const atEvent = buildStatement({ ...samples.space_viewed, at: EVENT_AT }, launch, opts);
    expect(ext(atEvent)[EXTENSION.phase]).to.equal('post-event');
    expect(ext(atEvent)[EXTENSION.daysFromEvent]).to.equal(0);
    const after = buildStatement({ ...samples.space_viewed, at: EVENT_AT + 3 * DAY + 60_000 }, launch, opts);
    expect(ext(after)[EXTENSION.phase]).to.equal('post-event');
    expect(ext(after)[EXTENSION.daysFromEvent]).to.equal(3);
    const undated = buildStatement({ ...samples.space_viewed, space: { ...space, kind: 'post_event', eventAt: null } }, launch, opts);
    expect(ext(undated)[EXTENSION.phase]).to.equal('post-event');
    expect(ext(undated)).not.to.have.property(EXTENSION.daysFromEvent);
    expect(ext(buildStatement(samples.launched, launch, opts))).not.to.have.property(EXTENSION.phase);
  });

  it('normalises the locale into an RFC 5646 tag, or leaves it out', () => {
    expect(languageTag('en_GB')).to.equal('en-GB');
    expect(languageTag('not a locale!')).to.equal(null);
    const s = buildStatement(samples.space_viewed, { ...launch, locale: '??' }, opts);
    expect(s.context).not.to.have.property('language');
    expect((s.object as XapiActivity).definition!.name).to.deep.equal({ und: 'Before the workshop' });
    expect(xapiProblems(s)).to.deep.equal([]);
  });

  it('is still valid without a course title or link title, and with odd ids', () => {
    const bare = { ...launch, context: { ...launch.context!, title: null }, resourceLink: { ...launch.resourceLink!, title: null } };
    for (const act of acts) {
      const s = buildStatement({ ...act, id: 'weird id/with?chars' } as XapiAct, bare, opts);
      expect(xapiProblems(s), act.kind).to.deep.equal([]);
    }
  });
});

describe('xAPI profile', () => {
  const profile = xapiProfile();

  it('is an xAPI Profile document with a fixed, install-independent IRI', () => {
    expect(profile['@context']).to.equal('https://w3id.org/xapi/profiles/context');
    expect(profile).to.include({ id: PROFILE_IRI, type: 'Profile' });
    expect(profile.versions[0]!.id).to.equal(PROFILE_VERSION_IRI);
    expect(JSON.stringify(profile)).not.to.contain('localhost');
  });

  it('defines each minted concept in this version, and nothing it borrows', () => {
    for (const c of profile.concepts) {
      expect(c.inScheme).to.equal(PROFILE_VERSION_IRI);
      expect(c.id.startsWith(`${PROFILE_IRI}/`), c.id).to.equal(true);
    }
    const minted = [VERB.endorsed, VERB.reflected, VERB.reportedBarrier, ACTIVITY_TYPE.resourceLink, ...Object.values(EXTENSION)];
    expect(profile.concepts.map((c) => c.id)).to.have.members(minted);
  });

  it('has one solo-allowed template per statement shape, with unique ids', () => {
    const ids = profile.templates.map((t) => t.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids.length).to.equal(acts.length + 1); // + question_asked
    for (const t of profile.templates) {
      expect(t).to.include({ type: 'StatementTemplate', inScheme: PROFILE_VERSION_IRI, allowedSolo: true });
      expect(t.verb).to.be.a('string');
    }
  });

  it('uses only verbs from vocabulary.ts', () => {
    const verbs = new Set<string>(Object.values(VERB));
    for (const t of profile.templates) expect(verbs.has(t.verb), t.verb).to.equal(true);
  });

  it('has no empty values (Profiles Part Two §4.0)', () => {
    const walk = (v: unknown, path: string): void => {
      expect(v, path).not.to.equal(null);
      expect(v, path).not.to.equal('');
      if (Array.isArray(v)) {
        expect(v.length, path).to.be.greaterThan(0);
        v.forEach((x, i) => walk(x, `${path}[${i}]`));
      } else if (v && typeof v === 'object') {
        expect(Object.keys(v).length, path).to.be.greaterThan(0);
        for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      }
    };
    walk(profile, '$');
    for (const c of profile.concepts) if (c.inlineSchema) JSON.parse(c.inlineSchema);
  });
});
