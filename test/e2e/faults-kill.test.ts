import { expect } from 'chai';
import { Cluster, type ClusterUser } from '../helpers/cluster.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { testDbKind } from '../helpers/test-db.js';

/**
 * `kill -9` of the tool in the middle of many concurrent posts (SQLite and PostgreSQL): a post
 * whose request was answered 303 must survive, and a post the kill interrupted must be either all
 * there or not at all — what a reply's transaction writes (post-store addReply) is the post row,
 * the thread's reply_count and last_activity_at, its search document (and, on SQLite, its FTS
 * row), its xAPI `replied` statement in the outbox and the notification of the author answered.
 */
describe(`fault: kill -9 in the middle of posting (${testDbKind()}, real process)`, function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let teacher: ClusterUser;
  let spaceId: string;
  const threadIds: string[] = [];
  const spec = (sub: string, roles: string[] = [ROLE.learner]): LaunchSpec => ({ sub, name: `Person ${sub}`, roles, contextId: 'kill-course', resourceLinkId: 'kill-link' });

  before(async () => {
    cluster = await Cluster.start({ count: 1 });
    teacher = await cluster.join(spec('teacher', [ROLE.instructor]));
    const setup = await teacher.post('/app/setup', { kind: 'post_event', title: 'Kill space', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    for (const title of ['First thread', 'Second thread']) {
      const r = await teacher.post(`/spaces/${spaceId}/threads`, { title, body: `${title} body`, kind: 'discussion' });
      threadIds.push(/\/threads\/([0-9a-f-]{36})/.exec(r.headers.get('location')!)![1]!);
    }
  });
  after(async () => cluster?.close());

  it('keeps every acknowledged post, leaves no half-written one, and serves normally after a restart', async () => {
    const learners = await Promise.all(Array.from({ length: 8 }, (_, i) => cluster.join(spec(`learner-${i}`))));
    const acked: string[] = [];
    let failedAfterKill = 0;
    let killed = false;
    const victim = cluster.instance(0);
    // Eight writers post as fast as they can until the process dies under them.
    const writers = learners.map(async (l, i) => {
      for (let k = 0; ; k++) {
        try {
          const r = await l.post(`/threads/${threadIds[k % 2]}/replies`, { body: `Reply ${k} from learner ${i}` });
          if (r.status === 303) acked.push(/#post-([0-9a-f-]{36})$/.exec(r.headers.get('location')!)![1]!);
          else throw new Error(`reply answered ${r.status}: ${r.body.slice(0, 300)}`);
        } catch (err) {
          if (!killed) throw err;
          failedAfterKill++;
          return;
        }
      }
    });
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 10));
    const exited = new Promise((r) => victim.child.once('exit', r));
    victim.child.kill('SIGKILL');
    killed = true;
    await exited;
    await Promise.all(writers);
    expect(failedAfterKill, 'writers cut off mid-request').to.be.greaterThan(0);

    const db = cluster.db;
    // Every acknowledged post is there.
    const present = new Set(((await db('posts').whereIn('id', acked).select('id')) as Array<{ id: string }>).map((r) => r.id));
    expect(acked.filter((id) => !present.has(id)), 'acknowledged posts lost').to.deep.equal([]);

    // Every reply in the database (acknowledged or cut off) is whole.
    const replies = (await db('posts').whereIn('thread_id', threadIds).where('depth', '>', 0).select('id', 'thread_id', 'created_at')) as Array<{ id: string; thread_id: string; created_at: number }>;
    expect(replies.length).to.be.at.least(acked.length);
    const ids = replies.map((r) => r.id);
    const docs = (await db('search_documents').whereIn('post_id', ids).select('post_id', 'doc_no')) as Array<{ post_id: string; doc_no: number }>;
    expect(docs.length, 'search documents, one per reply').to.equal(ids.length);
    if (testDbKind() === 'sqlite') {
      const fts = (await db.raw(`select count(*) as n from search_fts where rowid in (${docs.map(() => '?').join(',')})`, docs.map((d) => d.doc_no))) as Array<{ n: number }>;
      expect(Number(fts[0]!.n), 'FTS rows, one per reply').to.equal(ids.length);
    }
    const notified = (await db('notifications').whereIn('post_id', ids).select('post_id')) as Array<{ post_id: string }>;
    expect(new Set(notified.map((n) => n.post_id)).size, 'the teacher notified of each reply').to.equal(ids.length);
    const outbox = (await db('xapi_outbox').select('statement')) as Array<{ statement: string }>;
    const withStatement = ids.filter((id) => outbox.some((o) => o.statement.includes(id) && o.statement.includes('replied')));
    expect(withStatement.length, 'an xAPI statement queued for each reply').to.equal(ids.length);
    for (const threadId of threadIds) {
      const t = (await db('threads').where({ id: threadId }).first('reply_count', 'last_activity_at')) as { reply_count: number; last_activity_at: number };
      const mine = replies.filter((r) => r.thread_id === threadId);
      expect(Number(t.reply_count), 'reply_count matches the replies').to.equal(mine.length);
      expect(Number(t.last_activity_at), 'last activity is the newest reply').to.equal(Math.max(...mine.map((r) => Number(r.created_at))));
    }

    // Restarted on the same database, it serves and takes posts as before.
    await cluster.startInstance(0);
    const page = await learners[0]!.get(`/threads/${threadIds[0]}`);
    expect(page.status).to.equal(200);
    const after = await learners[1]!.post(`/threads/${threadIds[1]}/replies`, { body: 'After the restart' });
    expect(after.status, after.body.slice(0, 300)).to.equal(303);
    const t = (await db('threads').where({ id: threadIds[1] }).first('reply_count')) as { reply_count: number };
    expect(Number(t.reply_count)).to.equal(replies.filter((r) => r.thread_id === threadIds[1]).length + 1);
  });
});
