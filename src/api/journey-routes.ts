import { z } from 'zod';
import { parseProfileInput } from '../connections/connections-input.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import { QUERY_MAX } from '../connections/connections-directory.js';
import type { ExpertProfile } from '../connections/connections-store.js';
import { planForm, reflectionForm, confirmForm } from '../journey/journey-input.js';
import type { FollowUpView, JourneyService, MentorPlanView } from '../journey/journey-service.js';
import type { ActionPlan, PlanChange, PlanConfirmation, PlanInput } from '../journey/journey-store.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { SORTS, type ReadinessService } from '../readiness/readiness-service.js';
import { NotFoundError } from '../web/errors.js';
import { FieldErrors } from './api-errors.js';
import { pageOf } from './api-paging.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { spaceJson } from './api-serializers.js';
import { ActionPlanJson, ActionPlanListJson, DirectoryJson, JourneyJson, MenteePlansJson, MyProfileJson, ReadinessJson, ReflectionResultJson } from './journey-schemas.js';
import { pageParam } from './space-routes.js';

/**
 * The journey (follow-ups, reflections, action plans, mentors' confirmations), the readiness
 * roster and the people directory as JSON. Each handler calls the service its page calls, so the
 * authorisation is the same (viewerOf(launch): course, role, mentees, post-first), and bodies are
 * checked by the very zod schemas the pages' forms use (journey-input.ts, connections-input.ts).
 */
export interface JourneyApiServices {
  journey: JourneyService;
  readiness: ReadinessService;
  connections: ConnectionsService;
}

/** Rows per page of the readiness roster and the directory. */
export const ROSTER_PAGE_SIZE = 50;

const iso = (ms: number): string => new Date(ms).toISOString();

const confirmationJson = (c: PlanConfirmation) => ({ mentorName: c.mentorName, comment: c.comment, confirmedAt: iso(c.confirmedAt), updatedAt: iso(c.updatedAt) });
const planJson = (p: ActionPlan, history: PlanChange[], confirmations: PlanConfirmation[]) => ({
  id: p.id,
  goal: p.goal,
  situation: p.situation,
  targetDate: p.targetDate,
  status: p.status,
  barrier: p.barrier,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
  history: history.map((h) => ({ status: h.status, barrier: h.barrier, changedAt: iso(h.changedAt) })),
  confirmations: confirmations.filter((c) => c.planId === p.id).map(confirmationJson),
});
const followUpJson = (f: FollowUpView) => ({
  id: f.id,
  days: f.days,
  dueAt: iso(f.dueAt),
  state: f.state,
  reflection: f.reflection
    ? { applied: f.reflection.appliedMarkdown, helped: f.reflection.helpedMarkdown, hindered: f.reflection.hinderedMarkdown, createdAt: iso(f.reflection.createdAt), updatedAt: iso(f.reflection.updatedAt) }
    : null,
});
const profileJson = (p: ExpertProfile | null) => (p ? { bio: p.bioMarkdown, bioHtml: p.bioHtml, expertise: p.expertise, openToMentoring: p.openToMentoring, updatedAt: iso(p.updatedAt) } : null);

const planInput = (d: z.output<typeof planForm>): PlanInput => ({ goal: d.goal, situation: d.situation, targetDate: d.target_date || null, status: d.status, barrier: d.barrier });
// PATCH: the plan form's fields, each optional; what is left out keeps its value.
const planPatch = z.object({
  goal: z.string().max(200_000).optional(),
  situation: z.string().max(200_000).optional(),
  target_date: z.string().max(200).optional().describe('YYYY-MM-DD, or "" for none.'),
  status: z.string().max(64).optional().describe('planned, tried, worked or blocked.'),
  barrier: z.string().max(200_000).optional(),
});
// The directory profile: the form's fields as JSON (expertise as a list; a boolean for the checkbox).
const profileBody = z.object({
  bio: z.string().max(200_000).default('').describe('Markdown, up to 1,000 characters (413 when longer).'),
  expertise: z.array(z.string().max(10_000)).max(100).default([]).describe('Up to 10 labels of 40 characters.'),
  open_to_mentoring: z.boolean().default(false),
});
const readinessQuery = z.object({ sort: z.enum(SORTS).default('status'), dir: z.enum(['asc', 'desc']).default('asc'), page: pageParam });

export function journeyRoutes(s: JourneyApiServices): ApiRoute[] {
  /** The caller's own plans with history and confirmations; every read authorised by the service. */
  async function myPlans(launch: LaunchContext, spaceId: string) {
    const view = await s.journey.followUps(launch, spaceId);
    const plans = [];
    for (const p of view.plans) plans.push(planJson(p, (await s.journey.planHistory(launch, view.space.id, p.id)).history, view.confirmations));
    return { view, plans };
  }
  async function onePlan(launch: LaunchContext, spaceId: string, planId: string) {
    const { plans } = await myPlans(launch, spaceId);
    const p = plans.find((x) => x.id === planId);
    if (!p) throw new NotFoundError('That action plan does not exist.').tr('errors:journey_no_plan');
    return p;
  }
  const mentorPlanJson = (p: MentorPlanView) => planJson(p, p.history, p.confirmations);

  return [
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/journey',
      operationId: 'getMyJourney',
      summary: "The caller's journey in a space: phase, prep checklist, follow-ups (due, overdue) and action plans",
      tag: 'journey',
      response: JourneyJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const { view, plans } = await myPlans(launch, params.id!);
        const prep = await s.journey.prep(launch, view.space.id);
        return {
          space: spaceJson(view.space),
          phase: prep?.phase ?? null,
          prep: prep ? { complete: prep.status.complete, doneCount: prep.status.doneCount, items: prep.status.items, completedAt: prep.completedAt === null ? null : iso(prep.completedAt) } : null,
          followUps: view.followUps.map(followUpJson),
          due: view.followUps.filter((f) => f.state === 'due' || f.state === 'overdue').length,
          plans,
        };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/journey/follow-ups/{followUpId}/reflection',
      operationId: 'getMyReflection',
      summary: "A follow-up with the caller's reflection on it (null until written)",
      tag: 'journey',
      response: ReflectionResultJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const view = await s.journey.followUps(launch, params.id!);
        const f = view.followUps.find((x) => x.id === params.followUpId);
        if (!f) throw new NotFoundError('That follow-up does not exist in this space.').tr('errors:not_found');
        return { followUp: followUpJson(f) };
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/journey/follow-ups/{followUpId}/reflection',
      operationId: 'saveMyReflection',
      summary: 'Write or update the caller\'s reflection on a due follow-up (what they applied, what helped, what got in the way)',
      description: 'At least one answer; each up to 10,000 characters. 409 before the follow-up is due or when the space has no event.',
      tag: 'journey',
      body: reflectionForm,
      response: ReflectionResultJson,
      errors: [400, 403, 404, 409, 415],
      handler: async ({ launch, params, body }) => {
        await s.journey.reflect(launch, params.id!, params.followUpId!.slice(0, 64), { appliedMarkdown: body.applied, helpedMarkdown: body.helped, hinderedMarkdown: body.hindered });
        const view = await s.journey.followUps(launch, params.id!);
        return { followUp: followUpJson(view.followUps.find((x) => x.id === params.followUpId)!) };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/journey/plans',
      operationId: 'listMyPlans',
      summary: "The caller's action plans in a space, with history and mentors' confirmations",
      tag: 'journey',
      response: ActionPlanListJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const { view, plans } = await myPlans(launch, params.id!);
        return { space: spaceJson(view.space), plans };
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/journey/plans',
      operationId: 'createMyPlan',
      summary: 'Add an action plan: goal, situation, target date, status, barrier',
      tag: 'journey',
      body: planForm,
      status: 201,
      response: ActionPlanJson,
      errors: [400, 403, 404, 415],
      handler: async ({ launch, params, body }) => {
        const { space, plan } = await s.journey.createPlan(launch, params.id!, planInput(body));
        return onePlan(launch, space.id, plan.id);
      },
    }),
    apiRoute({
      method: 'patch',
      path: '/spaces/{id}/journey/plans/{planId}',
      operationId: 'updateMyPlan',
      summary: 'Change one of the caller\'s action plans; fields left out keep their value',
      description: 'A status or barrier change is kept in the history (and sent to the LRS as `applied` / `reported a barrier`). Someone else\'s plan is a 404.',
      tag: 'journey',
      body: planPatch,
      response: ActionPlanJson,
      errors: [400, 403, 404, 415],
      handler: async ({ launch, params, body, res }) => {
        const current = await onePlan(launch, params.id!, params.planId!.slice(0, 64));
        const merged = { goal: current.goal, situation: current.situation, target_date: current.targetDate ?? '', status: current.status, barrier: current.barrier };
        for (const [k, v] of Object.entries(body)) if (v !== undefined) (merged as Record<string, string>)[k] = v;
        // The plan form's own schema decides, as for the page; its message keys become `error.fields`.
        const parsed = planForm.safeParse(merged);
        if (!parsed.success) {
          const fields: Record<string, string> = {};
          for (const i of parsed.error.issues) fields[String(i.path[0] ?? '_')] ??= res.locals.t(i.message);
          throw new FieldErrors(res.locals.t, 400, fields);
        }
        await s.journey.updatePlan(launch, params.id!, current.id, planInput(parsed.data));
        return onePlan(launch, params.id!, current.id);
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/journey/mentees',
      operationId: 'listMenteePlans',
      summary: "A mentor's mentees and their action plans in a space (LTI role_scope_mentor; mentors only)",
      tag: 'journey',
      response: MenteePlansJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const v = await s.journey.mentorPlans(launch, params.id!);
        return { space: spaceJson(v.space), mentees: v.mentees.map((m) => ({ name: m.person.name, plans: m.plans.map(mentorPlanJson) })) };
      },
    }),
    apiRoute({
      method: 'post',
      path: '/spaces/{id}/journey/plans/{planId}/confirm',
      operationId: 'confirmMenteePlan',
      summary: 'Confirm a mentee\'s plan was applied on the job, with a comment (mentors only); again edits the comment',
      description: 'A plan of anyone but the caller\'s mentees is a 404.',
      tag: 'journey',
      body: confirmForm,
      response: ActionPlanJson,
      errors: [400, 403, 404, 415],
      handler: async ({ launch, params, body }) => {
        const { space, plan } = await s.journey.confirmPlan(launch, params.id!, params.planId!.slice(0, 64), body.comment);
        const v = await s.journey.mentorPlans(launch, space.id);
        return mentorPlanJson(v.mentees.flatMap((m) => m.plans).find((p) => p.id === plan.id)!);
      },
    }),

    // Readiness (staff).
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/readiness',
      operationId: 'getReadiness',
      summary: 'The readiness roster of a prep space: every learner with their prep status (staff)',
      tag: 'readiness',
      query: readinessQuery,
      response: ReadinessJson,
      errors: [400, 403, 404],
      handler: async ({ launch, params, query }) => {
        const r = await s.readiness.forStaff(launch, params.id!, { sort: query.sort, dir: query.dir });
        const page = pageOf(r.rows, query.page, ROSTER_PAGE_SIZE);
        return {
          space: spaceJson(r.space),
          prepared: r.prepared,
          total: r.total,
          daysToEvent: r.daysToEvent,
          rows: page.items.map((x) => ({ name: x.name, sub: x.sub, state: x.state, lastActivityAt: x.lastActivityAt === null ? null : iso(x.lastActivityAt), answered: x.answered, prompts: x.prompts })),
          pagination: page.pagination,
        };
      },
    }),

    // People directory.
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/directory',
      operationId: 'getDirectory',
      summary: 'The course\'s people: help earned per tag, profiles, and "who knows X" with `?q=`',
      tag: 'directory',
      query: z.object({ q: z.string().max(QUERY_MAX).default('').describe(`A tag, expertise or name, up to ${QUERY_MAX} characters.`), page: pageParam }),
      response: DirectoryJson,
      errors: [400, 404],
      handler: async ({ launch, params, query }) => {
        const q = query.q.replace(/\s+/g, ' ').trim();
        const d = await s.connections.directory(launch, params.id!, q);
        const page = pageOf(d.people, query.page, ROSTER_PAGE_SIZE);
        return {
          space: spaceJson(d.space),
          query: q,
          people: page.items.map((c) => ({ name: c.name, score: c.score, tags: c.tags.map((g) => ({ label: g.label, score: g.score, posts: g.posts })), profile: profileJson(c.profile), match: c.match })),
          topics: d.topics,
          pagination: page.pagination,
        };
      },
    }),
    apiRoute({
      method: 'get',
      path: '/spaces/{id}/directory/profile',
      operationId: 'getMyProfile',
      summary: "The caller's own directory profile (null until written)",
      tag: 'directory',
      response: MyProfileJson,
      errors: [403, 404],
      handler: async ({ launch, params }) => {
        const { space, profile } = await s.connections.profileForm(launch, params.id!);
        return { space: spaceJson(space), profile: profileJson(profile) };
      },
    }),
    apiRoute({
      method: 'put',
      path: '/spaces/{id}/directory/profile',
      operationId: 'saveMyProfile',
      summary: "Write the caller's own directory profile: bio, expertise labels, open to mentoring",
      tag: 'directory',
      body: profileBody,
      response: MyProfileJson,
      errors: [400, 403, 404, 413, 415],
      handler: async ({ launch, params, body, res }) => {
        // The form's parser decides, as for the page (labels: one comma-separated field there).
        const parsed = parseProfileInput({ bio: body.bio, expertise: body.expertise.join(', '), open_to_mentoring: body.open_to_mentoring ? 'on' : undefined });
        if (!parsed.ok) {
          // Access first: a mentor or another course's caller learns nothing about their input.
          await s.connections.profileForm(launch, params.id!);
          const fields: Record<string, string> = {};
          for (const [k, v] of Object.entries(parsed.errors)) if (v) fields[k] = res.locals.t(v);
          throw new FieldErrors(res.locals.t, parsed.status, fields);
        }
        const { space, profile } = await s.connections.saveProfile(launch, params.id!, parsed.value);
        return { space: spaceJson(space), profile: profileJson(profile) };
      },
    }),
  ];
}
