import type { Db } from '../db/knex.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space } from '../spaces/space-store.js';
import type { OutboxStore } from '../xapi/outbox-store.js';
import type { XapiStatement } from '../xapi/statement.js';
import { buildStatement, type SpaceRef, type StatementBuilderOptions, type ThreadRef, type XapiAct } from '../xapi/statement-builder.js';
import type { Thread } from './discussion-model.js';
import type { InTransaction } from './thread-store.js';

/**
 * What the discussion services need to record their acts as xAPI statements. The services build
 * each statement (the builder is pure) and hand it to the outbox inside the act's own transaction,
 * through the stores' `also` hook: no act without its statement, no statement for an act that
 * rolled back (DESIGN: "Write an outbox row in the same transaction as the act it records").
 */
export interface DiscussionXapi {
  outbox: Pick<OutboxStore, 'enqueue'>;
  statements: StatementBuilderOptions;
  /** Queues the statements of an act that writes nothing else (a view): its statement is the whole act. */
  enqueueAlone(statements: XapiStatement[], platformId: string | null): Promise<void>;
}

export const spaceRef = (s: Pick<Space, 'id' | 'title' | 'kind' | 'eventAt'>): SpaceRef => ({ id: s.id, title: s.title, kind: s.kind, eventAt: s.eventAt });
// A prompt thread is a conversation (replies under answers) as far as xAPI activity types go.
export const threadRef = (t: Pick<Thread, 'id' | 'title' | 'kind'>): ThreadRef => ({ id: t.id, title: t.title, kind: t.kind === 'prompt' ? 'discussion' : t.kind });

/** The act's statement, or null when nothing is recorded (xAPI off, or an anonymous launch: no actor). */
export function statementOf(x: DiscussionXapi | undefined, launch: LaunchContext, act: XapiAct): XapiStatement | null {
  if (!x || !launch.user) return null;
  return buildStatement(act, { ...launch, user: launch.user }, x.statements);
}

/**
 * An `also` hook for a store: once the act's rows are written, queue its statement in the same
 * transaction. `act` gets the ids the store just made (the act's statement id derives from them).
 * Undefined when there is nothing to record, so the store does exactly what it did before.
 */
export function recordIn<W>(x: DiscussionXapi | undefined, launch: LaunchContext, act: (written: W) => XapiAct): InTransaction<W> | undefined {
  if (!x || !launch.user) return undefined;
  return async (trx: Db, written: W) => {
    const s = statementOf(x, launch, act(written));
    // The platform picks the LRSs (a platform may have its own: see xapi/lrs-routing.ts).
    if (s) await x.outbox.enqueue(trx, [s], launch.platform.id);
  };
}

/** How long one `viewed` statement stands for all views of a space by one user. */
export const VIEW_WINDOW_MS = 60 * 60 * 1000;

/**
 * The act id of a space view: one per user, space and clock hour (UTC). Every view in that hour
 * derives the same statement id, so the outbox keeps the first (its insert ignores a known id)
 * and an LRS counts one view however often the page is opened or reloaded. JSON array encoding
 * keeps the parts from running into each other.
 */
export function viewActId(spaceId: string, userId: string, at: number): string {
  return JSON.stringify([spaceId, userId, Math.floor(at / VIEW_WINDOW_MS) * VIEW_WINDOW_MS]);
}
