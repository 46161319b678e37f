import { expect } from 'chai';
import { mapRoles } from '../../src/lti/claims.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { buildStatement, type SpaceRef, type StatementLaunch, type XapiAct } from '../../src/xapi/statement-builder.js';
import { ACTIVITY_TYPE, EXTENSION, VERB } from '../../src/xapi/vocabulary.js';
import { xapiProblems } from '../helpers/lrs-stub.js';

const DAY = 24 * 3600 * 1000;
const EVENT_AT = Date.UTC(2026, 11, 1, 9, 0);
const launch: LaunchContext & StatementLaunch = {
  messageType: 'LtiResourceLinkRequest',
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: 'canvas' },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { id: 'u', sub: 'sub-42', name: 'Ada', email: null, picture: null },
  context: { id: 'c', contextId: 'course-9', label: null, title: 'Leading Teams' },
  resourceLink: { id: 'rl', resourceLinkId: 'link-3', title: 'After the workshop' },
  roles: mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']),
  mentees: [],
  locale: 'es',
  returnUrl: null,
  documentTarget: 'iframe',
  custom: {},
  nrps: null,
  ags: null,
  deepLinking: null,
  launchedAt: EVENT_AT,
};
const opts = { publicUrl: 'https://threadline.example.edu/' };
const prep: SpaceRef = { id: 'prep-1', title: 'Antes', kind: 'prep', eventAt: EVENT_AT };
const post: SpaceRef = { id: 'post-1', title: 'Después', kind: 'post_event', eventAt: EVENT_AT };
const plan = { id: 'plan 1', goal: 'Reuniones semanales' };

describe('xAPI journey statements', () => {
  const cases: [XapiAct, string][] = [
    [{ kind: 'prep_completed', id: 'c1', at: EVENT_AT - 2 * DAY, space: prep }, VERB.completed],
    [{ kind: 'reflected', id: 'r1', at: EVENT_AT + 8 * DAY, space: post, followUp: { id: 'f1', days: 7 }, text: 'Lo apliqué.' }, VERB.reflected],
    [{ kind: 'planned', id: 'p1', at: EVENT_AT + 8 * DAY, space: post, plan, status: 'planned' }, VERB.planned],
    [{ kind: 'applied', id: 'p2', at: EVENT_AT + 31 * DAY, space: post, plan, status: 'tried' }, VERB.applied],
    [{ kind: 'barrier_reported', id: 'p3', at: EVENT_AT + 31 * DAY, space: post, plan, status: 'blocked', barrier: 'Sin sala.' }, VERB.reportedBarrier],
    [{ kind: 'plan_confirmed', id: 'k1', at: EVENT_AT + 40 * DAY, space: post, plan, status: 'worked', learner: { sub: 'mentee-1', name: 'Eva' }, comment: 'Lo vi en la reunión.' }, VERB.confirmed],
  ];

  for (const [act, verb] of cases) {
    it(`${act.kind} is valid xAPI, uses ${verb}, and carries phase and days from the event`, () => {
      const s = buildStatement(act, launch, opts);
      // @learninglocker/xapi-validation, through the same helper the LRS stub uses.
      expect(xapiProblems(s)).to.deep.equal([]);
      expect(s.verb.id).to.equal(verb);
      const ext = s.context!.extensions!;
      expect(ext[EXTENSION.phase]).to.equal(act.at < EVENT_AT ? 'prep' : 'post-event');
      expect(ext[EXTENSION.daysFromEvent]).to.equal(Math.trunc((act.at - EVENT_AT) / DAY));
    });
  }

  it('confirmed by mentor: the mentor acts on the plan, the learner rides in an extension, the comment is the response', () => {
    const s = buildStatement(cases[5]![0], launch, opts);
    expect(s.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'sub-42' } });
    expect(s.object).to.deep.include({ id: 'https://threadline.example.edu/action-plans/plan%201' });
    expect(s.result).to.deep.equal({ response: 'Lo vi en la reunión.' });
    // Names only with actorNames on, for the learner as for the actor.
    expect(s.context!.extensions![EXTENSION.learner]).to.deep.equal({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'mentee-1' } });
    expect(buildStatement(cases[5]![0], launch, { ...opts, actorNames: true }).context!.extensions![EXTENSION.learner]).to.deep.include({ name: 'Eva' });
    // xAPI 1.0.3: no context.contextAgents (a 2.0 field the validator rejects), and no instructor.
    expect(s.context).not.to.have.property('contextAgents');
    expect(s.context).not.to.have.property('instructor');
  });

  it('prep completed: the prep space is the object and result.completion is true', () => {
    const s = buildStatement(cases[0]![0], launch, opts);
    expect(s.object).to.deep.include({ id: 'https://threadline.example.edu/spaces/prep-1' });
    expect(s.result).to.deep.equal({ completion: true });
  });

  it('reflected: the follow-up is the object, the answers the response, its days an extension', () => {
    const s = buildStatement(cases[1]![0], launch, opts);
    expect(s.object).to.deep.include({ id: 'https://threadline.example.edu/follow-ups/f1' });
    expect(s.result!.response).to.equal('Lo apliqué.');
    expect(s.context!.extensions![EXTENSION.followUpDays]).to.equal(7);
    expect(s.context!.contextActivities!.parent![0]!.id).to.equal('https://threadline.example.edu/spaces/post-1');
  });

  it('plans are goals named by their goal; status and barrier ride in the statement', () => {
    const planned = buildStatement(cases[2]![0], launch, opts);
    expect(planned.object).to.deep.equal({ objectType: 'Activity', id: 'https://threadline.example.edu/action-plans/plan%201', definition: { type: ACTIVITY_TYPE.goal, name: { es: 'Reuniones semanales' } } });
    const applied = buildStatement(cases[3]![0], launch, opts);
    expect(applied.context!.extensions![EXTENSION.planStatus]).to.equal('tried');
    expect(applied).not.to.have.property('result');
    const barrier = buildStatement(cases[4]![0], launch, opts);
    expect(barrier.result!.response).to.equal('Sin sala.');
    expect(barrier.context!.extensions![EXTENSION.planStatus]).to.equal('blocked');
    // One plan, three acts: three different statement ids.
    expect(new Set([planned.id, applied.id, barrier.id]).size).to.equal(3);
  });
});
