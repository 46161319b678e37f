import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import knexFactory from 'knex';
import { createDb, migrateLatest, migrationsCurrent, type Db } from '../../src/db/knex.js';
import { renderMarkdown, RENDER_VERSION } from '../../src/discussion/markdown.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import { newId } from '../../src/ids.js';
import { createSearchStore } from '../../src/search/search-store.js';
import { parseQuery } from '../../src/search/search-text.js';
import { seedCourses, seedSpace } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const body = (text: string) => ({ bodyMarkdown: text, bodyHtml: renderMarkdown(text), renderVersion: RENDER_VERSION });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm run backup / restore, as an admin runs them (tsx on the same file), against `databaseUrl`. */
function cli(command: 'backup' | 'restore', file: string, databaseUrl: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', command, file], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const count = async (db: Db, table: string): Promise<number> => Number(((await db(table).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);

/** A course with a thread and `replies` replies: what the restored copy must read back. */
async function seed(db: Db, at: number) {
  const user = newId();
  const seeded = await seedCourses(db, at, { courses: ['course'], users: [{ id: user, sub: 'u1', name: 'Writer' }] });
  const space = await seedSpace(db, seeded.contexts[0]!, 'Space', at);
  const { thread, opening } = await createThreadStore(db).create({ spaceId: space, authorId: user, title: 'Backups matter', kind: 'discussion' }, body('the opening about snapshots'), at);
  return { user, contextId: seeded.contexts[0]!, space, thread, opening };
}

/** The tool's own stores reading the copy: the thread, and search (the part most likely to break in a copy). */
async function readBack(db: Db, s: { contextId: string; thread: { id: string }; user: string }): Promise<{ found: string[] }> {
  const thread = await createThreadStore(db).get(s.contextId, s.thread.id);
  expect(thread!.title).to.equal('Backups matter');
  const found = (await createSearchStore(db).search({ contextId: s.contextId, spaceId: null, viewer: { staff: true, userId: s.user }, phrases: parseQuery('snapshots'), limit: 5, offset: 0 })).hits.map((h) => h.postId);
  return { found };
}

if (testDbKind() === 'sqlite') {
  describe('backup and restore on SQLite', function () {
    this.timeout(240_000);
    let dir: string;
    let url: string;
    let db: Db;
    let seeded: Awaited<ReturnType<typeof seed>>;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadline-backup-'));
      url = `sqlite:${path.join(dir, 'live.sqlite')}`;
      db = createDb(url);
      await migrateLatest(db);
      seeded = await seed(db, 1_800_000_000_000);
    });
    after(async () => {
      await db?.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('takes a consistent backup while a writer keeps inserting; the restored copy is whole, current and readable', async () => {
      const posts = createPostStore(db);
      let stop = false;
      let written = 0;
      // The writer: one reply after another, each its own transaction (posts row, thread count, search index).
      const writer = (async () => {
        while (!stop) {
          await posts.addReply({ threadId: seeded.thread.id, parent: seeded.opening, authorId: seeded.user }, body(`reply ${written} about snapshots`), 1_800_000_000_000 + written);
          written++;
        }
      })();
      const file = path.join(dir, 'snap.sqlite');
      const r = await cli('backup', file, url);
      const writtenDuringBackup = written;
      stop = true;
      await writer;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Backup written to');
      expect(writtenDuringBackup, 'the writer made progress while the backup ran').to.be.greaterThan(5);

      // Restore into a fresh place, as after losing the server.
      const restoredUrl = `sqlite:${path.join(dir, 'restored', 'threadline.sqlite')}`;
      const rr = await cli('restore', file, restoredUrl);
      expect(rr.code, rr.stderr).to.equal(0);
      const restored = createDb(restoredUrl);
      try {
        expect(((await restored.raw('PRAGMA integrity_check')) as Array<{ integrity_check: string }>)[0]!.integrity_check).to.equal('ok');
        expect(await migrationsCurrent(restored)).to.equal(true);
        // A snapshot: some of the replies, every one whole (counter, index and rows agree).
        const replies = (await count(restored, 'posts')) - 1;
        expect(replies).to.be.greaterThan(0).and.at.most(written);
        const t = (await restored('threads').where({ id: seeded.thread.id }).first('reply_count')) as { reply_count: number | string };
        expect(Number(t.reply_count)).to.equal(replies);
        expect(await count(restored, 'search_documents')).to.equal(replies + 1);
        expect(Number(((await restored.raw('select count(*) as n from search_fts')) as Array<{ n: number }>)[0]!.n)).to.equal(replies + 1);
        // The tool's own stores read it.
        const back = await readBack(restored, seeded);
        expect(back.found.length).to.be.greaterThan(0);
        expect((await createPostStore(restored).get(seeded.contextId, seeded.opening.id))!.bodyMarkdown).to.equal('the opening about snapshots');
      } finally {
        await restored.destroy();
      }
    });

    it('never overwrites a file, refuses a damaged backup, and refuses to restore over a database in use', async () => {
      const file = path.join(dir, 'snap2.sqlite');
      expect((await cli('backup', file, url)).code).to.equal(0);
      const again = await cli('backup', file, url);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain('already exists');

      const junk = path.join(dir, 'junk.sqlite');
      fs.writeFileSync(junk, 'not a database at all '.repeat(100));
      const bad = await cli('restore', junk, `sqlite:${path.join(dir, 'elsewhere.sqlite')}`);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.match(/not a readable SQLite database|integrity_check/);
      expect(fs.existsSync(path.join(dir, 'elsewhere.sqlite'))).to.equal(false);

      // `db` is open on the live database, as a running server would be.
      const postsBefore = await count(db, 'posts');
      const busy = await cli('restore', file, url);
      expect(busy.code).to.equal(1);
      expect(busy.stderr).to.contain('in use');
      expect(await count(db, 'posts')).to.equal(postsBefore);
    });

    it('refuses a backup from a newer version (a migration it does not know)', async () => {
      const file = path.join(dir, 'newer.sqlite');
      fs.copyFileSync(path.join(dir, 'snap2.sqlite'), file);
      const k = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
      await k('knex_migrations').insert({ name: '29991231000000_from_the_future', batch: 99, migration_time: new Date() });
      await k.destroy();
      const r = await cli('restore', file, `sqlite:${path.join(dir, 'future.sqlite')}`);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('newer Threadline');
    });
  });
} else {
  describe('backup and restore on PostgreSQL (pg_dump -Fc / pg_restore)', function () {
    this.timeout(240_000);
    const base = process.env.TEST_DATABASE_URL!;
    const names = [`threadline_bk_${crypto.randomBytes(5).toString('hex')}`, `threadline_rs_${crypto.randomBytes(5).toString('hex')}`];
    const urlOf = (name: string): string => {
      const u = new URL(base);
      u.pathname = `/${name}`;
      u.search = '';
      return u.toString();
    };
    let dir: string;
    const admin = knexFactory({ client: 'pg', connection: base });

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadline-pgbackup-'));
      for (const n of names) await admin.raw(`create database ${n}`);
    });
    after(async () => {
      for (const n of names) await admin.raw(`drop database if exists ${n} with (force)`);
      await admin.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('dumps a seeded database and restores it into a fresh one: data present, migrations current, stores read it', async () => {
      const source = createDb(urlOf(names[0]!));
      let seeded: Awaited<ReturnType<typeof seed>>;
      try {
        await migrateLatest(source);
        seeded = await seed(source, 1_800_000_000_000);
        for (let i = 0; i < 20; i++) await createPostStore(source).addReply({ threadId: seeded.thread.id, parent: seeded.opening, authorId: seeded.user }, body(`reply ${i} about snapshots`), 1_800_000_000_001 + i);
      } finally {
        await source.destroy();
      }
      const file = path.join(dir, 'threadline.dump');
      const b = await cli('backup', file, urlOf(names[0]!));
      expect(b.code, b.stderr).to.equal(0);
      expect(fs.readFileSync(file).subarray(0, 5).toString()).to.equal('PGDMP'); // pg_dump's custom format

      const r = await cli('restore', file, urlOf(names[1]!));
      expect(r.code, r.stderr).to.equal(0);
      const restored = createDb(urlOf(names[1]!));
      try {
        expect(await migrationsCurrent(restored)).to.equal(true);
        expect(await count(restored, 'posts')).to.equal(21);
        expect(Number(((await restored('threads').where({ id: seeded.thread.id }).first('reply_count')) as { reply_count: number }).reply_count)).to.equal(20);
        // Full-text search works on the restored copy (the text search configuration and generated tsvector came along).
        const back = await readBack(restored, seeded);
        expect(back.found.length).to.equal(5);
      } finally {
        await restored.destroy();
      }
    });
  });
}
