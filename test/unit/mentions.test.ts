import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { FAKE_TRX, FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import { FakeMentionStores } from '../../src/mentions/fake-mention-stores.js';
import { createMentionHooks } from '../../src/mentions/mention-hooks.js';
import { findMentions, MAX_MENTIONS, renderWithMentions, type Person } from '../../src/mentions/mention-parse.js';
import { createMentionService, newPostIds, nextVisit, VISIT_GAP_MS } from '../../src/mentions/mention-service.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ana: Person = { id: ID(1), name: 'Ana', sub: 's-ana' };
const anaLima: Person = { id: ID(2), name: 'Ana Lima', sub: 's-ana-lima' };
const jose: Person = { id: ID(3), name: 'José  Pérez', sub: 's-jose' };
const ann: Person = { id: ID(4), name: 'Ann', sub: 's-ann' };
const evil: Person = { id: ID(5), name: '<img src=x onerror=alert(1)>', sub: 's-evil' };
const people = [ana, anaLima, jose, ann, evil];

const names = (source: string, list = people) => findMentions(source, list).map((m) => m.person.name);
const render = (source: string, list = people) => renderWithMentions(source, list);

describe('mentions', () => {
  describe('finding mentions in Markdown', () => {
    it('matches the longest member name after the @ (names have spaces)', () => {
      expect(names('Hi @Ana Lima, welcome')).to.deep.equal(['Ana Lima']);
      expect(names('Hi @Ana Maria')).to.deep.equal(['Ana']);
      expect(names('@Ana Lima and @Ana')).to.deep.equal(['Ana Lima', 'Ana']);
    });

    it('ignores case and accents, and matches runs of spaces in a name', () => {
      expect(names('@jose perez said')).to.deep.equal(['José  Pérez']);
      expect(names('@JOSÉ PÉREZ said')).to.deep.equal(['José  Pérez']);
      expect(names('@ana lima')).to.deep.equal(['Ana Lima']);
    });

    it('only where the name ends at a word boundary, and never inside an address', () => {
      expect(names('@Annabel is new')).to.deep.equal([]);
      expect(names('@Ann.')).to.deep.equal(['Ann']);
      expect(names('mail ann@example.com or see example.com/@Ann')).to.deep.equal([]);
      expect(names('(@Ann)')).to.deep.equal(['Ann']);
    });

    it('resolves tokens by id against the course only; a foreign or unknown id is text', () => {
      expect(names(`@[Whoever](${ID(2)})`)).to.deep.equal(['Ana Lima']);
      expect(names(`@[Ana Lima](${ID(99)})`)).to.deep.equal([]);
      const r = render(`@[Boss](${ID(2)}) and @[Ana](${ID(99)})`);
      expect(r.html).to.equal(`<p><span class="mention">@Ana Lima</span> and @[Ana](${ID(99)})</p>\n`);
    });
  });

  describe('rendering', () => {
    it('renders mentions as highlighted elements within the sanitized Markdown', () => {
      const r = render('**@Ana Lima** see [@Ann](https://example.com)');
      expect(r.html).to.equal('<p><strong><span class="mention">@Ana Lima</span></strong> see <a href="https://example.com" rel="noopener nofollow ugc" target="_blank"><span class="mention">@Ann</span></a></p>\n');
      expect(r.mentioned.map((p) => p.id)).to.deep.equal([ID(2), ID(4)]);
    });

    it('leaves mentions in code as code, and notifies nobody for them', () => {
      const r = render('`@Ana Lima` and\n\n```\n@Ann\n```\n');
      expect(r.html).to.equal('<p><code>@Ana Lima</code> and</p>\n<pre><code>@Ann\n</code></pre>\n');
      expect(r.mentioned).to.deep.equal([]);
    });

    it('escapes names and user HTML; typed placeholder characters are dropped', () => {
      const r = render('<b>@Ana</b> \uE0000\uE001 @<img src=x onerror=alert(1)>');
      expect(r.html).to.equal('<p>&lt;b&gt;<span class="mention">@Ana</span>&lt;/b&gt; 0 <span class="mention">@&lt;img src=x onerror=alert(1)&gt;</span></p>\n');
      expect(r.html).not.to.match(/<img/);
    });

    it('lets a backslash keep an @ as text', () => {
      const r = render('\\@Ana Lima');
      expect(r.html).to.equal('<p>@Ana Lima</p>\n');
      expect(r.mentioned).to.deep.equal([]);
    });

    it('lists each person once, at most MAX_MENTIONS', () => {
      const crowd = Array.from({ length: MAX_MENTIONS + 5 }, (_, i): Person => ({ id: ID(100 + i), name: `Person${i}`, sub: `p${i}` }));
      const r = render(`@Person0 @Person0 ${crowd.map((p) => `@${p.name}`).join(' ')}`, crowd);
      expect(r.mentioned).to.have.length(MAX_MENTIONS);
      expect(r.mentioned[0]!.id).to.equal(ID(100));
      expect(new Set(r.mentioned.map((p) => p.id)).size).to.equal(MAX_MENTIONS);
    });
  });

  describe('unread logic (injected clock)', () => {
    it('keeps one visit until a pause longer than the gap, then the last visit becomes "previous"', () => {
      const clock = fixedClock(1_000_000);
      let v = nextVisit(null, clock.now());
      expect(v).to.deep.equal({ previous: null, current: 1_000_000 });
      clock.advance(VISIT_GAP_MS - 1);
      v = nextVisit(v, clock.now());
      expect(v).to.deep.equal({ previous: null, current: 1_000_000 + VISIT_GAP_MS - 1 });
      const lastOfFirstVisit = clock.now();
      clock.advance(VISIT_GAP_MS + 1);
      v = nextVisit(v, clock.now());
      expect(v).to.deep.equal({ previous: lastOfFirstVisit, current: clock.now() });
      // A clock that steps back never moves the visit back.
      expect(nextVisit(v, clock.now() - 10).current).to.equal(clock.now());
    });

    it('marks posts by others newer than the last read, oldest first, and none on a first read', () => {
      const posts = [
        { id: 'b', createdAt: 30, mine: false, state: 'visible' },
        { id: 'a', createdAt: 20, mine: false, state: 'visible' },
        { id: 'mine', createdAt: 40, mine: true, state: 'visible' },
        { id: 'gone', createdAt: 50, mine: false, state: 'deleted' },
        { id: 'old', createdAt: 10, mine: false, state: 'visible' },
      ];
      expect(newPostIds(posts, 15)).to.deep.equal(['a', 'b']);
      expect(newPostIds(posts, null)).to.deep.equal([]);
    });
  });

  describe('services on fakes', () => {
    let store: FakeDiscussionStore;
    let m: FakeMentionStores;
    let statements: XapiStatement[];
    let clock: ReturnType<typeof fixedClock>;
    let spaceId: string;
    const a = launchOf('u-ann', 'ctx-a');
    const b = launchOf('u-ben', 'ctx-a');
    const outsider = launchOf('u-ola', 'ctx-b');

    function services() {
      const xapi = { outbox: { enqueue: async (_trx: unknown, list: XapiStatement[]) => void statements.push(...list) }, statements: { publicUrl: 'https://tool.example', actorNames: false }, enqueueAlone: async () => {} };
      const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock, xapi, mentions: createMentionHooks({ people: m.people, notifications: m.notifications, xapi }) };
      return {
        threads: createThreadService(deps),
        posts: createPostService(deps),
        mentions: createMentionService({ spaces: store.spaces, people: m.people, notifications: m.notifications, reads: m.readStore, clock }),
      };
    }

    beforeEach(() => {
      store = new FakeDiscussionStore();
      m = new FakeMentionStores();
      statements = [];
      clock = fixedClock(1_800_000_000_000);
      spaceId = store.addSpace('ctx-a').id;
      store.addSpace('ctx-b');
      m.members.set('ctx-a', [
        { id: 'u-ann', name: 'Ann Learner', sub: 's-ann' },
        { id: 'u-ben', name: 'Ben Ortiz', sub: 's-ben' },
      ]);
      m.members.set('ctx-b', [{ id: 'u-ola', name: 'Ola Other', sub: 's-ola' }]);
    });

    it('notifies the people a new thread mentions (not its author), in the post\'s transaction, with one xAPI statement each', async () => {
      const s = services();
      const t = await s.threads.create(a, spaceId, { title: 'T', kind: 'discussion', body: 'Hi @Ben Ortiz, @Ola Other and @Ann Learner' });
      const opening = await store.posts.opening(t.id);
      expect(opening!.bodyHtml).to.contain('<span class="mention">@Ben Ortiz</span>');
      expect(opening!.bodyHtml).to.contain('@Ola Other');
      expect(m.notificationRows.map((n) => [n.userId, n.kind, n.postId, n.contextId, n.actorId])).to.deep.equal([['u-ben', 'mention', opening!.id, 'ctx-a', 'u-ann']]);
      expect(m.trxSeen).to.deep.equal([FAKE_TRX]);
      const mentioned = statements.filter((x) => x.verb.id.endsWith('/mentioned'));
      expect(mentioned).to.have.length(1);
      expect(JSON.stringify(mentioned[0]!.object)).to.contain('s-ben');
    });

    it('notifies the author of the post replied to, not oneself, and never twice for the same post', async () => {
      const s = services();
      const t = await s.threads.create(b, spaceId, { title: 'T', kind: 'discussion', body: 'Question' });
      const { post } = await s.posts.reply(a, t.id, { body: 'Answer for @Ben Ortiz', parentPostId: null });
      expect(m.notificationRows.map((n) => `${n.userId}:${n.kind}`).sort()).to.deep.equal(['u-ben:mention', 'u-ben:reply']);
      await s.posts.reply(b, t.id, { body: 'Thanks, answering myself', parentPostId: null });
      expect(m.notificationRows).to.have.length(2);
      // An edit that mentions Ben again notifies nobody new.
      await s.posts.edit(a, post.id, { body: 'Answer for @Ben Ortiz, edited', title: null });
      expect(m.notificationRows).to.have.length(2);
    });

    it('tells an author their reply was accepted or endorsed, once, and never for their own act', async () => {
      const s = services();
      const tess = launchOf('u-tess', 'ctx-a', 'instructor');
      const t = await s.threads.create(b, spaceId, { title: 'Q', kind: 'question', body: 'Why?' });
      const { post } = await s.posts.reply(a, t.id, { body: 'Because.', parentPostId: null });
      await s.posts.setAccepted(b, post.id, true);
      await s.posts.setEndorsed(tess, post.id, true);
      await s.posts.setEndorsed(tess, post.id, false);
      await s.posts.setEndorsed(tess, post.id, true);
      const own = await s.posts.reply(tess, t.id, { body: 'Mine.', parentPostId: null });
      await s.posts.setEndorsed(tess, own.post.id, true);
      expect(m.notificationRows.filter((n) => n.userId === 'u-ann').map((n) => `${n.kind}:${n.actorId}`)).to.deep.equal(['accepted:u-ben', 'endorsed:u-tess']);
      expect(m.notificationRows.filter((n) => n.userId === 'u-tess')).to.deep.equal([]);
    });

    it('rolls the post back when notifying fails: no post without its notifications', async () => {
      const s = services();
      const t = await s.threads.create(b, spaceId, { title: 'T', kind: 'discussion', body: 'Q' });
      m.notifications.addIn = async () => {
        throw new Error('disk full');
      };
      const before = store.postRows.size;
      await s.posts.reply(a, t.id, { body: 'hello @Ben Ortiz', parentPostId: null }).then(
        () => expect.fail('should throw'),
        (e: Error) => expect(e.message).to.equal('disk full'),
      );
      expect(store.postRows.size).to.equal(before);
    });

    it('searches people of the course only, accent-insensitive, 404 for a foreign space', async () => {
      const s = services();
      expect(await s.mentions.people(a, spaceId, 'ortíz')).to.deep.equal([{ id: 'u-ben', name: 'Ben Ortiz' }]);
      expect(await s.mentions.people(a, spaceId, 'ola')).to.deep.equal([]);
      expect((await failure(s.mentions.people(outsider, spaceId, 'a'))).status).to.equal(404);
      expect((await failure(s.mentions.notifications(outsider, spaceId, 1))).status).to.equal(404);
    });

    it('counts unread posts per thread and "new" since the previous visit, as the clock moves', async () => {
      const s = services();
      m.posts.push({ threadId: 't1', authorId: 'u-ben', createdAt: clock.now() - 10 }, { threadId: 't1', authorId: 'u-ann', createdAt: clock.now() - 5 });
      let page = await s.mentions.spacePage(a, store.spaceRows.get(spaceId)!, ['t1', 't2']);
      expect(page.threads).to.deep.equal({ t1: { unread: 1, fresh: false } });
      await s.mentions.threadPage(a, 't1', []);
      clock.advance(VISIT_GAP_MS + 1);
      m.posts.push({ threadId: 't1', authorId: 'u-ben', createdAt: clock.now() });
      // Same visit? No: the gap passed, so the first view was the previous visit.
      clock.advance(1);
      page = await s.mentions.spacePage(a, store.spaceRows.get(spaceId)!, ['t1']);
      expect(page.threads).to.deep.equal({ t1: { unread: 1, fresh: true } });
      const view = await s.mentions.threadPage(a, 't1', [{ id: 'p3', createdAt: clock.now() - 1, mine: false, state: 'visible' }]);
      expect(view.firstNewId).to.equal('p3');
      const anon = await s.mentions.spacePage(launchOf(null, 'ctx-a'), store.spaceRows.get(spaceId)!, ['t1']);
      expect(anon).to.deep.equal({ bell: null, threads: {}, since: null });
    });

    it('marks one notification read only for its recipient in its course', async () => {
      const s = services();
      await s.threads.create(a, spaceId, { title: 'T', kind: 'discussion', body: '@Ben Ortiz' });
      const id = m.notificationRows[0]!.id;
      expect((await failure(s.mentions.markRead(a, spaceId, id))).status).to.equal(404);
      expect((await failure(s.mentions.markRead(launchOf('u-ben', 'ctx-b'), spaceId, id))).status).to.equal(404);
      expect((await s.mentions.notifications(b, spaceId, 1)).unread).to.equal(1);
      await s.mentions.markRead(b, spaceId, id);
      expect((await s.mentions.notifications(b, spaceId, 1)).unread).to.equal(0);
    });
  });
});
