import type { Clock } from '../clock.js';
import type { Db } from '../db/knex.js';
import { requireStaff, requireUser, viewerOf, type Viewer } from '../discussion/discussion-policy.js';
import { spaceRef, statementOf, type DiscussionXapi } from '../discussion/discussion-xapi.js';
import type { InTransaction } from '../discussion/thread-store.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { AppError, ForbiddenError, NotFoundError } from '../web/errors.js';
import type { XapiStatement } from '../xapi/statement.js';
import { canSeeLearnerJourney } from './journey-policy.js';
import { menteesOf } from '../readiness/readiness-service.js';
import type { ActionPlan, FollowUp, JourneyPerson, JourneySettings, JourneyStore, PlanChange, PlanConfirmation, PlanInput, Reflection, ReflectionAnswers } from './journey-store.js';
import { eventOf, followUpDueAt, followUpState, phaseAt, type FollowUpState, type JourneyEvent, type Phase } from './journey-time.js';
import { prepStatus, type PrepStatus } from './prep-completion.js';

export interface JourneyDeps {
  spaces: Pick<SpaceStore, 'get'>;
  journey: JourneyStore;
  clock: Clock;
  db: Db;
  xapi?: DiscussionXapi;
}

export interface FollowUpView extends FollowUp {
  dueAt: number;
  state: FollowUpState;
  reflection: Reflection | null;
}

/** A plan as a mentor reads it: with its history and every mentor's confirmation (theirs as `mine`). */
export interface MentorPlanView extends ActionPlan {
  history: PlanChange[];
  confirmations: PlanConfirmation[];
  mine: PlanConfirmation | null;
}
export interface MenteePlans {
  person: JourneyPerson;
  plans: MentorPlanView[];
}

export interface PrepView {
  phase: Phase | null;
  status: PrepStatus;
  completedAt: number | null;
}

/**
 * The journey around a training event: prep checklist and completion on a prep space,
 * follow-ups with reflections and action plans on a post-event space. Every entry point starts
 * from the launch (viewerOf) and a space id scoped by the viewer's course: anything else is a 404.
 */
export function createJourneyService(deps: JourneyDeps) {
  async function load(v: Viewer, spaceId: string): Promise<Space> {
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('That space does not exist in this course.');
    return space;
  }

  async function eventFor(space: Space, q?: Db): Promise<{ event: JourneyEvent | null; settings: JourneySettings }> {
    const settings = await deps.journey.settings(space.id, q);
    return { event: eventOf(space, settings.eventEndAt), settings };
  }

  /** A post-event space's follow-ups need the event: without one nothing can fall due. */
  async function requireEvent(space: Space): Promise<JourneyEvent> {
    const { event } = await eventFor(space);
    if (!event) throw new AppError(409, 'no_event', 'This space has no event date yet, so it has no follow-ups.', 'Ask your instructor to set the event date in the space settings.');
    return event;
  }

  async function followUpsOf(space: Space, event: JourneyEvent, userId: string, now: number): Promise<FollowUpView[]> {
    const schedule = await deps.journey.schedule(space.id, now);
    const mine = new Map((await deps.journey.reflectionsInSpace(space.id, userId)).map((r) => [r.followUpId, r]));
    return schedule.map((f) => {
      const reflection = mine.get(f.id) ?? null;
      return { ...f, dueAt: followUpDueAt(event, f.days), state: followUpState(event, f.days, now, reflection !== null), reflection };
    });
  }

  async function ownPlan(v: Viewer, space: Space, planId: string): Promise<ActionPlan> {
    const plan = await deps.journey.plan(space.id, planId);
    // Someone else's plan is as absent as one in another course.
    if (!plan || plan.userId !== v.userId) throw noPlan();
    return plan;
  }

  /**
   * The mentor behind a launch and their mentees in this course. LTI Core §5.4.5: only a launch
   * with the Mentor role carries mentees (role_scope_mentor, as subs of the launch's platform);
   * anyone else is refused here, before any plan is looked up.
   */
  async function mentorOf(launch: LaunchContext, v: Viewer): Promise<{ mentorUserId: string; mentees: JourneyPerson[] }> {
    if (!launch.roles.has.mentor || !v.userId) throw new ForbiddenError('forbidden_role', 'This page is for mentors: it lists the people you mentor.').tr('errors:journey_mentor_only');
    const subs = [...menteesOf(launch)];
    return { mentorUserId: v.userId, mentees: subs.length ? await deps.journey.peopleBySub(launch.platform.id, subs) : [] };
  }

  const noPlan = () => new NotFoundError('That action plan does not exist.').tr('errors:journey_no_plan');

  const enqueue = async (trx: Db, launch: LaunchContext, statements: (XapiStatement | null)[]) => {
    const list = statements.filter((s): s is XapiStatement => s !== null);
    if (deps.xapi && list.length) await deps.xapi.outbox.enqueue(trx, list, launch.platform.id);
  };

  return {
    /**
     * An `also` hook for the act that may complete prep (an answer or a reply in a prep space):
     * inside its transaction, checks the rule and, the first time it is met before the event
     * starts, records the completion and queues `completed`. The completion row's key makes that
     * happen once per learner, whatever races.
     */
    prepIn(launch: LaunchContext, space: Space, userId: string, now: number): InTransaction<unknown> {
      return async (trx: Db) => {
        // Read through the transaction: SQLite's write lock is held, and a read on another pooled
        // connection can wait behind the pool's other writers (all queued on that lock) until
        // busy_timeout fails them: 24 concurrent replies on one instance once took 35 s and
        // answered 20 of them 503 (bench/load found it).
        const { event, settings } = await eventFor(space, trx);
        // Issue 5: prep counts "before the event"; after it starts, the window has closed.
        if (event && phaseAt(event, now) !== 'prep') return;
        if (space.kind !== 'prep' && !event) return;
        const prompts = await deps.journey.requiredPrompts(trx, space.id, userId);
        const peerReplies = settings.rule.minPeerReplies > 0 ? await deps.journey.peerReplies(trx, space.id, userId) : 0;
        const status = prepStatus(settings.rule, { requiredPrompts: prompts, answeredPromptIds: new Set(prompts.filter((p) => p.answered).map((p) => p.id)), peerReplies });
        if (!status.complete) return;
        if (!(await deps.journey.recordPrepCompletion(trx, space.id, userId, now))) return;
        const s = statementOf(deps.xapi, launch, { kind: 'prep_completed', id: JSON.stringify([space.id, userId]), at: now, space: spaceRef(space) });
        if (s) await enqueue(trx, launch, [s]);
      };
    },

    /** The viewer's own checklist and status on a prep space (null for someone who cannot have one). */
    async prep(launch: LaunchContext, spaceId: string): Promise<PrepView | null> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      if (!v.userId || v.readOnly) return null;
      const { event, settings } = await eventFor(space);
      const prompts = await deps.journey.requiredPrompts(deps.db, space.id, v.userId);
      const peerReplies = settings.rule.minPeerReplies > 0 ? await deps.journey.peerReplies(deps.db, space.id, v.userId) : 0;
      const status = prepStatus(settings.rule, { requiredPrompts: prompts, answeredPromptIds: new Set(prompts.filter((p) => p.answered).map((p) => p.id)), peerReplies });
      return { phase: event ? phaseAt(event, deps.clock.now()) : null, status, completedAt: await deps.journey.prepCompletedAt(space.id, v.userId) };
    },

    /** The viewer's follow-ups on a space, with state in the space's zone; null when the space has no event. */
    async followUps(launch: LaunchContext, spaceId: string): Promise<{ space: Space; event: JourneyEvent | null; followUps: FollowUpView[]; plans: ActionPlan[]; confirmations: PlanConfirmation[] }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const userId = requireUser(v);
      const { event } = await eventFor(space);
      const now = deps.clock.now();
      const plans = await deps.journey.plansInSpace(space.id, userId);
      // The learner sees their mentors' "applied on the job" confirmations under each plan.
      const confirmations = await deps.journey.confirmations(plans.map((p) => p.id));
      return { space, event, followUps: event ? await followUpsOf(space, event, userId, now) : [], plans, confirmations };
    },

    /** Follow-ups due or overdue now, for the notice on the space page (empty for staff and anonymous launches). */
    async dueNotice(launch: LaunchContext, space: Space): Promise<FollowUpView[]> {
      const v = viewerOf(launch);
      // Any space with an event can carry follow-ups (issue 5: "or one space in both phases").
      if (!v.userId || v.staff || v.readOnly) return [];
      const { event } = await eventFor(space);
      if (!event) return [];
      return (await followUpsOf(space, event, v.userId, deps.clock.now())).filter((f) => f.state === 'due' || f.state === 'overdue');
    },

    async reflect(launch: LaunchContext, spaceId: string, followUpId: string, answers: ReflectionAnswers): Promise<{ space: Space; reflection: Reflection }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const userId = requireUser(v);
      const event = await requireEvent(space);
      const now = deps.clock.now();
      const f = (await deps.journey.schedule(space.id, now)).find((x) => x.id === followUpId);
      if (!f) throw new NotFoundError('That follow-up does not exist in this space.');
      if (now < followUpDueAt(event, f.days)) throw new AppError(409, 'not_due', 'This follow-up is not due yet.', 'Come back on the day it is due.');
      const reflection = await deps.db.transaction(async (trx) => {
        const saved = await deps.journey.saveReflection(trx, f.id, userId, answers, now);
        // One `reflected` per reflection (an edit refines it; it is not a second reflection).
        if (saved.created) {
          const text = [answers.appliedMarkdown, answers.helpedMarkdown, answers.hinderedMarkdown].join('\n\n');
          await enqueue(trx, launch, [statementOf(deps.xapi, launch, { kind: 'reflected', id: saved.reflection.id, at: now, space: spaceRef(space), followUp: { id: f.id, days: f.days }, text })]);
        }
        return saved.reflection;
      });
      return { space, reflection };
    },

    async createPlan(launch: LaunchContext, spaceId: string, input: PlanInput): Promise<{ space: Space; plan: ActionPlan }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const userId = requireUser(v);
      const now = deps.clock.now();
      const plan = await deps.db.transaction(async (trx) => {
        const p = await deps.journey.createPlan(trx, space.id, userId, input, now);
        const ref = { id: p.id, goal: p.goal };
        await enqueue(trx, launch, [
          statementOf(deps.xapi, launch, { kind: 'planned', id: p.id, at: now, space: spaceRef(space), plan: ref, status: p.status }),
          ...planActs(launch, space, p, null, now),
        ]);
        return p;
      });
      return { space, plan };
    },

    /** A learner updates their own plan; status and barrier changes are kept as history and sent as `applied` / `reported a barrier`. */
    async updatePlan(launch: LaunchContext, spaceId: string, planId: string, input: PlanInput): Promise<{ space: Space; plan: ActionPlan }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireUser(v);
      const before = await ownPlan(v, space, planId);
      const now = deps.clock.now();
      const plan = await deps.db.transaction(async (trx) => {
        const p = await deps.journey.updatePlan(trx, before, input, now);
        await enqueue(trx, launch, planActs(launch, space, p, before, now));
        return p;
      });
      return { space, plan };
    },

    async planHistory(launch: LaunchContext, spaceId: string, planId: string) {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const plan = await deps.journey.plan(space.id, planId);
      if (!plan || !canSeeLearnerJourney(v, plan.userId)) throw noPlan();
      return { space, plan, history: await deps.journey.planHistory(plan.id) };
    },

    /**
     * Staff: every learner's reflections and plans in the space, read-only, with their names and
     * the mentors' confirmations. Staff always see names: a space's anonymity hides authors from
     * peers, never from the people who run the course (as on the readiness roster).
     */
    async staffOverview(
      launch: LaunchContext,
      spaceId: string,
    ): Promise<{ space: Space; followUps: FollowUp[]; reflections: Reflection[]; plans: ActionPlan[]; people: Map<string, JourneyPerson>; confirmations: PlanConfirmation[] }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireStaff(v);
      const now = deps.clock.now();
      const reflections = (await deps.journey.reflectionsInSpace(space.id)).filter((r) => canSeeLearnerJourney(v, r.userId));
      const plans = (await deps.journey.plansInSpace(space.id)).filter((p) => canSeeLearnerJourney(v, p.userId));
      const people = await deps.journey.people([...reflections.map((r) => r.userId), ...plans.map((p) => p.userId)]);
      const confirmations = await deps.journey.confirmations(plans.map((p) => p.id));
      return { space, followUps: await deps.journey.schedule(space.id, now), reflections, plans, people, confirmations };
    },

    /**
     * A mentor's view (issue 5): their mentees' action plans in this space — goal, situation,
     * target date, status, barrier, history — and the confirmations given so far. Nobody else's.
     */
    async mentorPlans(launch: LaunchContext, spaceId: string): Promise<{ space: Space; mentees: MenteePlans[] }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const { mentorUserId, mentees } = await mentorOf(launch, v);
      const ids = new Set(mentees.map((m) => m.id));
      const plans = (await deps.journey.plansInSpace(space.id)).filter((p) => canSeeLearnerJourney(v, p.userId, ids));
      const confirmations = await deps.journey.confirmations(plans.map((p) => p.id));
      const views: MentorPlanView[] = [];
      for (const p of plans) {
        const mineAll = confirmations.filter((c) => c.planId === p.id);
        views.push({ ...p, history: await deps.journey.planHistory(p.id), confirmations: mineAll, mine: mineAll.find((c) => c.mentorUserId === mentorUserId) ?? null });
      }
      const byName = (a: JourneyPerson, b: JourneyPerson) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.sub.localeCompare(b.sub);
      return { space, mentees: [...mentees].sort(byName).map((person) => ({ person, plans: views.filter((p) => p.userId === person.id) })) };
    },

    /**
     * A mentor confirms a mentee's plan was applied on the job, with a comment. One confirmation
     * per mentor per plan: confirming again edits the comment. `confirmed` goes to the LRS once,
     * with the first confirmation, in its transaction (an edit refines it, as with reflections).
     * A plan of anyone but the mentor's mentees is a 404, exactly like a plan that does not exist.
     */
    async confirmPlan(launch: LaunchContext, spaceId: string, planId: string, comment: string): Promise<{ space: Space; plan: ActionPlan; confirmation: PlanConfirmation }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      const { mentorUserId, mentees } = await mentorOf(launch, v);
      const plan = await deps.journey.plan(space.id, planId);
      const mentee = plan ? mentees.find((m) => m.id === plan.userId) : undefined;
      if (!plan || !mentee || !canSeeLearnerJourney(v, plan.userId, new Set([mentee.id]))) throw noPlan();
      const now = deps.clock.now();
      const confirmation = await deps.db.transaction(async (trx) => {
        const saved = await deps.journey.confirmPlan(trx, plan.id, mentorUserId, comment, now);
        if (saved.created) {
          await enqueue(trx, launch, [
            statementOf(deps.xapi, launch, {
              kind: 'plan_confirmed',
              id: saved.confirmation.id,
              at: now,
              space: spaceRef(space),
              plan: { id: plan.id, goal: plan.goal },
              status: plan.status,
              learner: { sub: mentee.sub, name: mentee.name },
              comment,
            }),
          ]);
        }
        return saved.confirmation;
      });
      return { space, plan, confirmation };
    },

    async settings(launch: LaunchContext, spaceId: string): Promise<{ space: Space; settings: JourneySettings; followUps: FollowUp[] }> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireStaff(v);
      return { space, settings: await deps.journey.settings(space.id), followUps: await deps.journey.schedule(space.id, deps.clock.now()) };
    },

    async saveSettings(launch: LaunchContext, spaceId: string, s: JourneySettings): Promise<Space> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireStaff(v);
      if (s.eventEndAt !== null && (space.eventAt === null || s.eventEndAt <= space.eventAt)) {
        throw new AppError(400, 'invalid_event_end', 'The event must end after it starts (set the start in the space settings first).');
      }
      await deps.journey.saveSettings(space.id, s, deps.clock.now());
      return space;
    },

    async addFollowUp(launch: LaunchContext, spaceId: string, days: number): Promise<Space> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireStaff(v);
      const now = deps.clock.now();
      await deps.journey.schedule(space.id, now);
      await deps.journey.addFollowUp(space.id, days, now);
      return space;
    },

    async removeFollowUp(launch: LaunchContext, spaceId: string, followUpId: string): Promise<Space> {
      const v = viewerOf(launch);
      const space = await load(v, spaceId);
      requireStaff(v);
      if (!(await deps.journey.removeFollowUp(space.id, followUpId))) {
        throw new AppError(409, 'follow_up_in_use', 'That follow-up cannot be removed: it does not exist here or learners have already reflected on it.');
      }
      return space;
    },
  };

  /** What a plan change says in xAPI: tried/worked is `applied`, a new barrier is `reported a barrier`. */
  function planActs(launch: LaunchContext, space: Space, p: ActionPlan, before: ActionPlan | null, now: number): (XapiStatement | null)[] {
    const ref = { id: p.id, goal: p.goal };
    const out: (XapiStatement | null)[] = [];
    // Act ids name the plan and the moment, so each change has its own statement id.
    if ((p.status === 'tried' || p.status === 'worked') && before?.status !== p.status) {
      out.push(statementOf(deps.xapi, launch, { kind: 'applied', id: JSON.stringify([p.id, now, p.status]), at: now, space: spaceRef(space), plan: ref, status: p.status }));
    }
    if (p.barrier.trim() !== '' && p.barrier !== (before?.barrier ?? '')) {
      out.push(statementOf(deps.xapi, launch, { kind: 'barrier_reported', id: JSON.stringify([p.id, now, 'barrier']), at: now, space: spaceRef(space), plan: ref, status: p.status, barrier: p.barrier }));
    }
    return out;
  }
}

export type JourneyService = ReturnType<typeof createJourneyService>;
