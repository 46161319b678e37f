import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * Edge validation of the journey's forms, shared by the pages (journey-router.ts) and the JSON
 * API (api/journey-routes.ts), so the two can never accept different input. Field names are the
 * forms'; messages are catalogue keys.
 */

export const MAX_ANSWER = 10_000;
export const MAX_SHORT = 2_000;

// Edge validation: the form's field names in, plain domain values out. Messages are catalogue keys.
export const reflectionForm = z
  .object({
    applied: z.string().max(MAX_ANSWER, 'journey:error.tooLong').default(''),
    helped: z.string().max(MAX_ANSWER, 'journey:error.tooLong').default(''),
    hindered: z.string().max(MAX_ANSWER, 'journey:error.tooLong').default(''),
  })
  .refine((f) => `${f.applied}${f.helped}${f.hindered}`.trim() !== '', { message: 'journey:error.emptyReflection' });
export const planForm = z.object({
  goal: z.string().trim().min(1, 'journey:error.goalRequired').max(500, 'journey:error.tooLong'),
  situation: z.string().trim().max(MAX_SHORT, 'journey:error.tooLong').default(''),
  target_date: z
    .string()
    .trim()
    .default('')
    .refine((s) => s === '' || DateTime.fromISO(s).isValid, 'journey:error.badDate'),
  status: z.enum(['planned', 'tried', 'worked', 'blocked'], { message: 'journey:error.badStatus' }),
  barrier: z.string().trim().max(MAX_SHORT, 'journey:error.tooLong').default(''),
});
// A mentor's "applied on the job" confirmation: the comment is what they saw, so it is required.
export const confirmForm = z.object({ comment: z.string().trim().min(1, 'journey:error.commentRequired').max(MAX_SHORT, 'journey:error.tooLong') });
