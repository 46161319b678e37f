import crypto from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import { createPeriodicWorker } from '../../periodic-worker.js';
import { EMBEDDED_LRS_ID, type ClaimedStatement, type OutboxStore } from '../outbox-store.js';
import { LrsError } from './lrs-errors.js';
import type { EmbeddedLrsService } from './lrs-service.js';

export interface EmbeddedDelivery {
  /** One pass: moves waiting 'embedded' outbox rows into the embedded LRS. Concurrent calls share it. */
  tick(): Promise<{ delivered: number; dead: number; retried: number }>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/**
 * In-process delivery to the embedded LRS: the outbox's 'embedded' target, drained straight into
 * lrs_statements through the same service (and the same idempotency) as POST /xapi/statements.
 * Leases as the HTTP sender does, so several processes can run it side by side.
 */
export function createEmbeddedDelivery(o: {
  outbox: OutboxStore;
  lrs: EmbeddedLrsService;
  authority: Record<string, unknown>;
  clock: Clock;
  log: Logger;
  batchSize?: number;
  leaseMs?: number;
  maxBatchesPerTick?: number;
  /** As the HTTP sender's: statements sent, failed (retried later) or dead-lettered (ops/metrics). */
  onDelivery?: (lrsId: string, result: 'sent' | 'failed' | 'dead', n: number) => void;
}): EmbeddedDelivery {
  const batchSize = o.batchSize ?? 100;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxBatches = o.maxBatchesPerTick ?? 20;
  const workerId = `${os.hostname()}:${process.pid}:embedded:${crypto.randomBytes(4).toString('hex')}`;

  async function one(c: ClaimedStatement, report: { delivered: number; dead: number; retried: number }): Promise<void> {
    try {
      await o.lrs.store([c.statement], o.authority);
      await o.outbox.ack([c.id], o.clock.now());
      report.delivered++;
    } catch (err) {
      if (err instanceof LrsError && err.status === 409) {
        // Already stored under that id with other content: it is there, as for an external LRS.
        await o.outbox.ack([c.id], o.clock.now());
        report.delivered++;
      } else if (err instanceof LrsError && err.status === 400) {
        await o.outbox.deadLetter(c.id, `embedded LRS: ${err.message}`);
        report.dead++;
      } else {
        await o.outbox.retryLater([c.id], o.clock.now() + Math.min(60_000, 1_000 * 2 ** Math.min(c.attempts, 6)), 'embedded LRS: could not store the statement');
        report.retried++;
        o.log.warn({ err, statementId: c.statementId }, 'embedded LRS delivery failed; will retry');
      }
    }
  }

  async function pass() {
    const report = { delivered: 0, dead: 0, retried: 0 };
    for (let i = 0; i < maxBatches && !worker.stopped; i++) {
      const batch = await o.outbox.claim(EMBEDDED_LRS_ID, batchSize, workerId, o.clock.now(), leaseMs);
      if (batch.length === 0) break;
      try {
        await o.lrs.store(batch.map((c) => c.statement), o.authority);
        await o.outbox.ack(batch.map((c) => c.id), o.clock.now());
        report.delivered += batch.length;
      } catch {
        // The batch is all-or-nothing: find the statement(s) at fault one by one.
        for (const c of batch) await one(c, report);
      }
      if (batch.length < batchSize) break;
    }
    return report;
  }

  const worker = createPeriodicWorker({ job: () => pass().then(tally), onError: (err) => o.log.warn({ err }, 'embedded LRS delivery pass failed') });

  const tally = (r: { delivered: number; dead: number; retried: number }) => {
    o.onDelivery?.(EMBEDDED_LRS_ID, 'sent', r.delivered);
    o.onDelivery?.(EMBEDDED_LRS_ID, 'failed', r.retried);
    o.onDelivery?.(EMBEDDED_LRS_ID, 'dead', r.dead);
    return r;
  };

  const d: EmbeddedDelivery = {
    tick: () => worker.run(),
    start: (intervalMs) => worker.start(intervalMs),
    async stop() {
      await worker.stop();
      await o.outbox.release(workerId).catch(() => undefined);
    },
  };
  return d;
}
