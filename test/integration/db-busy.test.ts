import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import express from 'express';
import knexFactory from 'knex';
import { createDb, migrateLatest } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { isTransientDbError } from '../../src/web/db-errors.js';
import { createI18n } from '../../src/i18n/i18n.js';
import { errorHandler } from '../../src/web/error-handler.js';
import { localize } from '../../src/web/locale.js';

const views = fileURLToPath(new URL('../../views', import.meta.url));

/** A minimal app with the real error handler and views: each route throws what `fail` gives it. */
async function appThatFails(fail: () => Promise<unknown>): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.set('views', path.resolve(views));
  app.set('view engine', 'ejs');
  // Pages take their words from the catalogue, as in the real app.
  app.use(localize(createI18n(fileURLToPath(new URL('../../locales', import.meta.url)))));
  app.get(['/api/write', '/page'], async () => {
    await fail();
  });
  app.use(errorHandler(createLogger('silent')));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('a busy database answers 503 with Retry-After, not 500', function () {
  this.timeout(30_000);

  it('SQLITE_BUSY from a real write blocked by another connection’s write lock', async () => {
    // SQLite's lock is the subject here, so this runs on a SQLite file whatever TEST_DATABASE_URL says.
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'threadline-busy-'));
    const file = path.join(dir, 'db.sqlite');
    const holder = createDb(`sqlite:${file}`);
    await migrateLatest(holder);
    // A second pool with no busy_timeout, so the blocked write fails at once instead of after 5 s.
    const writer = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    const trx = await holder.transaction();
    let app: Awaited<ReturnType<typeof appThatFails>> | undefined;
    try {
      // Any write takes SQLite's write lock until the transaction ends.
      await trx.raw('create table busy_probe (x integer)');
      let thrown: unknown;
      app = await appThatFails(async () => {
        try {
          await writer.raw('create table other_probe (x integer)');
        } catch (err) {
          thrown = err;
          throw err;
        }
      });
      const res = await fetch(`${app.url}/api/write`);
      expect((thrown as { code?: string }).code).to.equal('SQLITE_BUSY');
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('2');
      const body = (await res.json()) as { error: { code: string; message: string; hint: string } };
      expect(body.error.code).to.equal('database_busy');
      expect(body.error.hint).to.contain('Try again in a few seconds');
      // The message names no SQL.
      expect(JSON.stringify(body)).not.to.match(/create table|SQLITE/i);
      // An HTML page too, for requests from the iframe.
      const page = await fetch(`${app.url}/page`, { headers: { Accept: 'text/html' } });
      expect(page.status).to.equal(503);
      expect(page.headers.get('retry-after')).to.equal('2');
      expect(await page.text()).to.contain('Threadline is busy right now');
    } finally {
      await trx.rollback().catch(() => undefined);
      await app?.close();
      await writer.destroy();
      await holder.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL retryable SQLSTATEs and lost connections are 503; other database errors stay 500', async () => {
    const errors: Array<[unknown, number]> = [
      [Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' }), 503],
      [Object.assign(new Error('deadlock detected'), { code: '40P01' }), 503],
      [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 503],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 503],
      [Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' }), 503],
      [new Error('Connection terminated unexpectedly'), 503],
      [new Error('ROLLBACK - Client has encountered a connection error and is not queryable'), 503],
      [Object.assign(new Error('SQLITE_LOCKED: database table is locked'), { code: 'SQLITE_LOCKED' }), 503],
      // Bugs, not load: these must still be 500s someone looks at.
      [Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }), 500],
      [Object.assign(new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT' }), 500],
      [Object.assign(new Error('syntax error'), { code: '42601' }), 500],
    ];
    for (const [err, status] of errors) expect(isTransientDbError(err), String(err)).to.equal(status === 503);
    let next = 0;
    const app = await appThatFails(async () => {
      throw errors[next++]![0];
    });
    try {
      for (const [, status] of errors) {
        const res = await fetch(`${app.url}/api/write`);
        expect(res.status).to.equal(status);
        expect(res.headers.get('retry-after')).to.equal(status === 503 ? '2' : null);
        await res.arrayBuffer();
      }
    } finally {
      await app.close();
    }
  });
});
