import { z } from 'zod';
import { named, PaginationJson, SpaceJson } from './api-schemas.js';

/**
 * Shapes of the journey, readiness and directory endpoints (api/journey-routes.ts). Every one is
 * named, so the OpenAPI document lists it under components. No user ids leave the API: people
 * are named as the pages name them (staff also see the LTI sub, as on the readiness CSV).
 */

const iso = z.iso.datetime().describe('ISO 8601, UTC');
const nullableIso = iso.nullable();
const planStatus = z.enum(['planned', 'tried', 'worked', 'blocked']);

export const ReflectionJson = named(
  'Reflection',
  z.object({
    applied: z.string().describe('Markdown as written: what they applied.'),
    helped: z.string(),
    hindered: z.string(),
    createdAt: iso,
    updatedAt: iso,
  }),
);

export const FollowUpJson = named(
  'FollowUp',
  z.object({
    id: z.string(),
    days: z.number().int().describe('Days after the event.'),
    dueAt: iso,
    state: z.enum(['upcoming', 'due', 'overdue', 'done']),
    reflection: ReflectionJson.nullable(),
  }),
);

export const PlanConfirmationJson = named(
  'PlanConfirmation',
  z.object({
    mentorName: z.string().nullable(),
    comment: z.string(),
    confirmedAt: iso,
    updatedAt: iso,
  }),
);

export const PlanChangeJson = named('PlanChange', z.object({ status: planStatus, barrier: z.string(), changedAt: iso }));

export const ActionPlanJson = named(
  'ActionPlan',
  z.object({
    id: z.string(),
    goal: z.string(),
    situation: z.string(),
    targetDate: z.string().nullable().describe('YYYY-MM-DD, a day in the space\'s zone.'),
    status: planStatus,
    barrier: z.string(),
    createdAt: iso,
    updatedAt: iso,
    history: z.array(PlanChangeJson).describe('Status and barrier over time, oldest first.'),
    confirmations: z.array(PlanConfirmationJson).describe('Mentors\' "applied on the job" confirmations.'),
  }),
);

export const ActionPlanListJson = named('ActionPlanList', z.object({ space: SpaceJson, plans: z.array(ActionPlanJson) }));

const checklistItem = z.object({
  kind: z.enum(['prompt', 'peer_replies']),
  promptId: z.string().optional(),
  title: z.string().optional(),
  required: z.number().int().optional().describe('Replies to peers the rule asks for.'),
  count: z.number().int().optional(),
  done: z.boolean(),
});

export const JourneyJson = named(
  'Journey',
  z.object({
    space: SpaceJson,
    phase: z.enum(['prep', 'live', 'post-event']).nullable().describe('Null when the space has no event date.'),
    prep: z
      .object({ complete: z.boolean(), doneCount: z.number().int(), items: z.array(checklistItem), completedAt: nullableIso })
      .nullable()
      .describe("The caller's prep checklist by the space's completion rule."),
    followUps: z.array(FollowUpJson),
    due: z.number().int().describe('Follow-ups due or overdue now.'),
    plans: z.array(ActionPlanJson),
  }),
);

export const ReflectionResultJson = named('ReflectionResult', z.object({ followUp: FollowUpJson }));

export const ReadinessRowJson = named(
  'ReadinessRow',
  z.object({
    name: z.string().nullable(),
    sub: z.string().describe('The LTI sub, as on the CSV export.'),
    state: z.enum(['not_started', 'in_progress', 'prepared']),
    lastActivityAt: nullableIso,
    answered: z.number().int(),
    prompts: z.number().int(),
  }),
);

export const ReadinessJson = named(
  'Readiness',
  z.object({
    space: SpaceJson,
    prepared: z.number().int(),
    total: z.number().int(),
    daysToEvent: z.number().int().nullable(),
    rows: z.array(ReadinessRowJson),
    pagination: PaginationJson,
  }),
);

export const MenteePlansJson = named('MenteePlans', z.object({ space: SpaceJson, mentees: z.array(z.object({ name: z.string().nullable(), plans: z.array(ActionPlanJson) })) }));

const tagHelp = z.object({ label: z.string(), score: z.number(), posts: z.number().int() });
export const ProfileJson = named(
  'ExpertProfile',
  z.object({
    bio: z.string().describe('Markdown as written.'),
    bioHtml: z.string().describe('Sanitized HTML, safe to insert into a page.'),
    expertise: z.array(z.string()),
    openToMentoring: z.boolean(),
    updatedAt: iso,
  }),
);

export const DirectoryJson = named(
  'Directory',
  z.object({
    space: SpaceJson,
    query: z.string(),
    people: z.array(
      z.object({
        name: z.string().nullable(),
        score: z.number().describe('Help earned in the discussions, as the caller may see it (post-first).'),
        tags: z.array(tagHelp),
        profile: ProfileJson.nullable(),
        match: z.object({ tagScore: z.number(), tags: z.array(z.string()), expertise: z.boolean(), bio: z.boolean(), name: z.boolean() }).nullable(),
      }),
    ),
    topics: z.array(z.object({ label: z.string(), score: z.number(), people: z.number().int() })),
    pagination: PaginationJson,
  }),
);

export const MyProfileJson = named('MyProfile', z.object({ space: SpaceJson, profile: ProfileJson.nullable() }));
