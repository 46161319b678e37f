import { expect } from 'chai';
import { buildCards, rankCards, topTags } from '../../src/connections/connections-directory.js';
import { BIO_MAX, parseDirectoryQuery, parseProfileInput, splitLabels } from '../../src/connections/connections-input.js';
import { createConnectionsService } from '../../src/connections/connections-service.js';
import type { ConnectionsStore, ExpertProfile, HelpRecord } from '../../src/connections/connections-store.js';
import { mapRoles } from '../../src/lti/claims.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import type { Space } from '../../src/spaces/space-store.js';

const profile = (userId: string, p: Partial<ExpertProfile> = {}): ExpertProfile & { name: string | null } => ({
  userId,
  name: userId.toUpperCase(),
  bioMarkdown: '',
  bioHtml: '',
  renderVersion: 1,
  expertise: [],
  openToMentoring: false,
  updatedAt: 1,
  ...p,
});
const help = (userId: string, score: number, tags: Array<[string, number]>): HelpRecord => ({ userId, name: userId.toUpperCase(), score, tags: tags.map(([label, s]) => ({ key: label.toLowerCase(), label, score: s, posts: 1 })) });

describe('connections: directory ranking, profile input, service rules (on fakes)', () => {
  const cards = buildCards(
    [help('ben', 9, [['Safety', 7], ['Tools', 2]]), help('cat', 4, [['Safety', 4]]), help('dan', 12, [['Tools', 12]])],
    [profile('cat', { expertise: ['Forklift safety'], openToMentoring: true }), profile('eve', { expertise: ['Safety audits'], bioMarkdown: 'I ran **safety** drills' }), profile('fay', { bioMarkdown: 'safety nerd' })],
  );

  it('merges help and profiles into one card per person', () => {
    expect(cards.map((c) => c.userId).sort()).to.deep.equal(['ben', 'cat', 'dan', 'eve', 'fay']);
    expect(cards.find((c) => c.userId === 'cat')!.profile!.openToMentoring).to.equal(true);
    expect(cards.find((c) => c.userId === 'eve')!.score).to.equal(0);
  });

  it('with no query lists everyone, most help first, open to mentoring before others on a tie', () => {
    expect(rankCards(cards, '').map((c) => c.userId)).to.deep.equal(['dan', 'ben', 'cat', 'eve', 'fay']);
    const tie = buildCards([], [profile('x'), profile('y', { openToMentoring: true })]);
    expect(rankCards(tie, '  ').map((c) => c.userId)).to.deep.equal(['y', 'x']);
  });

  it('"who knows X": earned help on matching tags first, then declared expertise, then bio; case and spacing ignored', () => {
    const r = rankCards(cards, '  SAFETY ');
    expect(r.map((c) => c.userId)).to.deep.equal(['ben', 'cat', 'eve', 'fay']);
    expect(r[0]!.match).to.deep.equal({ tagScore: 7, tags: ['Safety'], expertise: false, bio: false, name: false });
    expect(r[1]!.match).to.include({ tagScore: 4, expertise: true });
    expect(r[2]!.match).to.include({ tagScore: 0, expertise: true, bio: true });
    expect(r[3]!.match).to.include({ expertise: false, bio: true });
    expect(rankCards(cards, 'tools').map((c) => c.userId)).to.deep.equal(['dan', 'ben']);
    expect(rankCards(cards, 'nobody knows this')).to.deep.equal([]);
    expect(rankCards(cards, 'eve').map((c) => c.userId)).to.deep.equal(['eve']);
  });

  it('lists topics by total help', () => {
    expect(topTags(cards)).to.deep.equal([
      { label: 'Tools', score: 14, people: 2 },
      { label: 'Safety', score: 11, people: 2 },
    ]);
  });

  it('parses a profile: labels split, trimmed, deduplicated; limits give 400 or 413 with the input kept', () => {
    expect(splitLabels(' First  aid, forklifts,\nFIRST AID ;; ')).to.deep.equal(['First aid', 'forklifts']);
    const ok = parseProfileInput({ bio: ' Hello\r\nthere ', expertise: 'a, b', open_to_mentoring: 'on' });
    expect(ok).to.deep.equal({ ok: true, value: { bio: 'Hello\nthere', expertise: ['a', 'b'], openToMentoring: true } });
    expect(parseProfileInput({})).to.deep.equal({ ok: true, value: { bio: '', expertise: [], openToMentoring: false } });
    const long = parseProfileInput({ bio: 'x'.repeat(BIO_MAX + 1), expertise: 'kept' });
    expect(long).to.deep.include({ ok: false, status: 413 });
    if (long.ok) throw new Error('unreachable');
    expect(long.errors.bio).to.equal('connections:profile.errors.bioTooLong');
    expect(long.values.expertise).to.equal('kept');
    const many = parseProfileInput({ bio: 'kept bio', expertise: Array.from({ length: 11 }, (_, i) => `l${i}`).join(',') });
    expect(many).to.deep.include({ ok: false, status: 400 });
    if (many.ok) throw new Error('unreachable');
    expect(many.errors.expertise).to.equal('connections:profile.errors.tooManyLabels');
    expect(many.values.bio).to.equal('kept bio');
    const label = parseProfileInput({ expertise: 'y'.repeat(41) });
    expect(label).to.deep.include({ ok: false, status: 400 });
    const shape = parseProfileInput({ bio: ['a', 'b'] });
    expect(shape).to.deep.include({ ok: false, status: 400 });
    expect(BIO_MAX).to.equal(1000);
  });

  it('parses the search box: too long is an error with the text kept', () => {
    expect(parseDirectoryQuery({ q: '  fork   lift ' }, 100)).to.deep.equal({ q: 'fork lift', typed: '  fork   lift ', error: null });
    expect(parseDirectoryQuery({ q: ['a', 'b'] }, 100)).to.deep.equal({ q: '', typed: '', error: null });
    expect(parseDirectoryQuery({ q: 'z'.repeat(101) }, 100)).to.deep.include({ q: '', error: 'connections:directory.errors.queryTooLong' });
  });

  describe('service', () => {
    const space = { id: 's1', contextId: 'c1', title: 'S' } as Space;
    const saved: Array<[string, string, string]> = [];
    const store: ConnectionsStore = {
      help: async () => [help('ben', 3, [['Safety', 3]])],
      profiles: async () => [],
      profile: async () => null,
      saveProfile: async (ctx, user, change, now) => (saved.push([ctx, user, change.bioHtml]), { userId: user, ...change, updatedAt: now }),
    };
    const svc = createConnectionsService({ spaces: { get: async (ctx, id) => (ctx === 'c1' && id === 's1' ? space : null) }, connections: store, clock: { now: () => 5 } });
    const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
    const launch = (role: string, user: string | null = 'u1', context = 'c1') => ({ context: { id: context }, user: user ? { id: user } : null, roles: mapRoles([M + role]), locale: 'en' }) as unknown as LaunchContext;
    const learner = launch('Learner');

    it('another course\'s space is a 404; a learner saves only their own profile, rendered through the sanitizer', async () => {
      await svc.directory(launch('Learner', 'u1', 'c2'), 's1', '').then(() => expect.fail('should 404'), (e: { status: number }) => expect(e.status).to.equal(404));
      await svc.saveProfile(learner, 'nope', { bio: 'x', expertise: [], openToMentoring: false }).then(() => expect.fail('should 404'), (e: { status: number }) => expect(e.status).to.equal(404));
      const r = await svc.saveProfile(learner, 's1', { bio: '<script>alert(1)</script>**hi**', expertise: ['a'], openToMentoring: true });
      expect(saved.at(-1)![0]).to.equal('c1');
      expect(saved.at(-1)![1]).to.equal('u1');
      expect(r.profile.bioHtml).to.contain('<strong>hi</strong>').and.not.to.contain('<script');
      const page = await svc.directory(learner, 's1', 'safe');
      expect(page.people.map((p) => p.userId)).to.deep.equal(['ben']);
      expect(page.canEdit).to.equal(true);
    });

    it('guests and mentors read the directory but keep no profile (403)', async () => {
      const guest = launch('Learner', null);
      expect((await svc.directory(guest, 's1', '')).canEdit).to.equal(false);
      await svc.profileForm(guest, 's1').then(() => expect.fail('should 403'), (e: { status: number }) => expect(e.status).to.equal(403));
      const mentor = launch('Mentor');
      const page = await svc.directory(mentor, 's1', '');
      expect(page.viewer.readOnly).to.equal(true);
      expect(page.canEdit).to.equal(false);
      await svc.saveProfile(mentor, 's1', { bio: '', expertise: [], openToMentoring: false }).then(() => expect.fail('should 403'), (e: { status: number }) => expect(e.status).to.equal(403));
    });
  });
});
