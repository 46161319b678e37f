import { expect } from 'chai';
import { DateTime } from 'luxon';
import { sha256 } from '../../src/ids.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { lineItemsOf, revokeTokens, services, setMembers, type EmulatorMember } from '../helpers/emulator/services.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import { createPromptPrepStatusSource } from '../../src/readiness/prep-status.js';
import type { Page } from '../helpers/test-browser.js';

interface Person {
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
  follow(res: Page): Promise<Page>;
}

const COURSE = 'ready-course';
const expectOk = (res: Page) => expect(res.status, res.body.slice(0, 800)).to.equal(303);
const learner = (i: number, extra: Partial<EmulatorMember> = {}): EmulatorMember => ({ user_id: `l-${i}`, roles: [ROLE.learner], name: `Learner ${String(i).padStart(2, '0')}`, ...extra });

/** The rows of the readiness table, in page order: [sub, status text]. */
const rowsOf = (html: string): Array<[string, string]> =>
  [...html.matchAll(/<tr data-sub="([^"]+)">[\s\S]*?readiness-state--[a-z_]+">([^<]+)</g)].map((m) => [m[1]!, m[2]!]);

describe('readiness roster and mentees (e2e through the emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let spaceId: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, { contextId: COURSE, resourceLinkId: 'ready-link', ...spec });
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: csrf, ...fields } }),
      follow: (res) => {
        expect(res.status, res.body.slice(0, 500)).to.equal(303);
        return r.browser.request(new URL(res.headers.get('location')!, base).toString());
      },
    };
  }

  async function addPrompt(title: string): Promise<string> {
    const res = await teacher.post(`/spaces/${spaceId}/prompts`, { title, body: `Details of ${title}`, required: 'on' });
    expect(res.status, res.body.slice(0, 800)).to.equal(303);
    return (await stack.tool.container.db('threads').where({ space_id: spaceId, title }).first()).id as string;
  }

  let ann: Person;
  let ben: Person;
  let prompts: string[];

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    // 29 learners (one named like a formula) and the teacher: 30 members over 5 NRPS pages of 7.
    const members = [...Array.from({ length: 29 }, (_, i) => learner(i + 1)), { user_id: 'teach', roles: [ROLE.instructor], name: 'Tess Teacher' }];
    members[28] = learner(29, { name: '=HYPERLINK("http://evil.example","x")' });
    setMembers(stack.emu, COURSE, members);
    services(stack.emu).config.pageSize = 7;
    teacher = await join({ sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'prep', title: 'Negotiation prep', time_zone: 'Europe/Madrid' });
    expect(setup.status, setup.body.slice(0, 500)).to.equal(303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    // The event, two calendar days from today in the space's zone.
    const day = DateTime.now().setZone('Europe/Madrid').plus({ days: 2 }).toFormat('yyyy-MM-dd');
    const saved = await teacher.post(`/spaces/${spaceId}/settings`, { title: 'Negotiation prep', intro: '', time_zone: 'Europe/Madrid', anonymity: 'off', event_date: day, event_time: '10:00' });
    expect(saved.status, saved.body.slice(0, 800)).to.equal(303);
    prompts = [await addPrompt('Your BATNA'), await addPrompt('Your anchor')];
    ann = await join({ sub: 'l-1', name: 'Learner 01', roles: [ROLE.learner] });
    ben = await join({ sub: 'l-2', name: 'Learner 02', roles: [ROLE.learner] });
    // Ann answers both required prompts (prepared); Ben answers one (in progress).
    for (const p of prompts) expect((await ann.post(`/threads/${p}/replies`, { body: `Ann on ${p}` })).status).to.equal(303);
    expect((await ben.post(`/threads/${prompts[0]!}/replies`, { body: 'Ben on the first' })).status).to.equal(303);
  });
  after(async () => stack?.close());

  it('reads every NRPS page and lists all 29 learners, with the count and event countdown', async () => {
    services(stack.emu).serviceRequests.length = 0;
    const page = await teacher.get(`/spaces/${spaceId}/readiness`);
    expect(page.status, page.body.slice(0, 800)).to.equal(200);
    expect(services(stack.emu).serviceRequests.filter((r) => r.path.includes('/nrps/'))).to.have.length(5);
    expect(page.body).to.contain('1 of 29 prepared</strong>, event in 2 days');
    const rows = rowsOf(page.body);
    expect(rows).to.have.length(29);
    expect(rows.map((r) => r[0])).not.to.include('teach');
    // Default sort: status ascending, so the not-started come first and Ann (prepared) last.
    expect(rows.at(-1)).to.deep.equal(['l-1', 'Prepared']);
    expect(rows.at(-2)).to.deep.equal(['l-2', 'In progress']);
    expect(rows[0]![1]).to.equal('Not started');
    expect(page.body).to.contain('1 of 2 answered');
    // A name is user content: escaped, never markup.
    expect(page.body).to.contain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)');
  });

  it('sorts by status descending and by name, with aria-sort on the sorted column', async () => {
    const desc = await teacher.get(`/spaces/${spaceId}/readiness?sort=status&dir=desc`);
    expect(rowsOf(desc.body).slice(0, 2)).to.deep.equal([['l-1', 'Prepared'], ['l-2', 'In progress']]);
    expect(desc.body).to.match(/<th scope="col" aria-sort="descending">\s*<a [^>]*sort=status&amp;dir=asc/);
    const byName = await teacher.get(`/spaces/${spaceId}/readiness?sort=name&dir=desc`);
    const subs = rowsOf(byName.body).map((r) => r[0]);
    // '=' sorts before letters, so descending puts it last.
    expect(subs[0]).to.equal('l-28');
    expect(subs.at(-1)).to.equal('l-29');
    const bad = await teacher.get(`/spaces/${spaceId}/readiness?sort=salary`);
    expect(bad.status).to.equal(400);
  });

  it('exports CSV with formula cells neutralised', async () => {
    const res = await teacher.get(`/spaces/${spaceId}/readiness.csv?sort=name&dir=asc`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.contain('text/csv');
    const lines = res.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines).to.have.length(30);
    expect(lines[0]).to.equal('"Name","LMS user id","Status","Last activity (UTC)","Prompts answered","Prompts"');
    expect(lines).to.include.members([`"'=HYPERLINK(""http://evil.example"",""x"")","l-29","Not started","","0","2"`]);
    expect(lines.find((l) => l.includes('"l-1"'))).to.match(/^"Learner 01","l-1","Prepared","\d{4}-\d\d-\d\dT[^"]+Z","2","2"$/);
  });

  it('refreshes the roster on POST with CSRF only, and shows an NRPS failure with the last good list', async () => {
    const noCsrf = await teacher.post(`/spaces/${spaceId}/readiness/refresh`, { _csrf: 'wrong' });
    expect(noCsrf.status).to.equal(403);
    setMembers(stack.emu, COURSE, [learner(1), learner(2), learner(31), { user_id: 'teach', roles: [ROLE.instructor] }]);
    const page = await teacher.follow(await teacher.post(`/spaces/${spaceId}/readiness/refresh`));
    expect(page.body).to.contain('The roster was read again from the LMS.');
    expect(page.body).to.contain('1 of 3 prepared');
    expect(rowsOf(page.body).map((r) => r[0])).to.have.members(['l-1', 'l-2', 'l-31']);
    // The platform fails: the page says so, and keeps the last good reading.
    services(stack.emu).config.tokenError = { status: 500, body: { error: 'server_error' } };
    revokeTokens(stack.emu);
    try {
      const failed = await teacher.follow(await teacher.post(`/spaces/${spaceId}/readiness/refresh`));
      expect(failed.status).to.equal(200);
      expect(failed.body).to.contain('The last roster read failed');
      expect(rowsOf(failed.body)).to.have.length(3);
    } finally {
      services(stack.emu).config.tokenError = null;
    }
  });

  it('is for staff: a learner gets 403; the space page links staff to it', async () => {
    expect((await ann.get(`/spaces/${spaceId}/readiness`)).status).to.equal(403);
    expect((await ann.get(`/spaces/${spaceId}/readiness.csv`)).status).to.equal(403);
    expect((await ann.post(`/spaces/${spaceId}/readiness/refresh`)).status).to.equal(403);
    expect((await teacher.get(`/spaces/${spaceId}`)).body).to.contain('Readiness roster</a>');
    expect((await ann.get(`/spaces/${spaceId}`)).body).not.to.contain('Readiness roster');
  });

  it('a mentor sees only their mentees, never anyone else', async () => {
    const mona = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['l-2', 'nobody-here'] });
    const space = await mona.get(`/spaces/${spaceId}`);
    expect(space.body).to.contain('My mentees&#39; preparation</a>');
    const page = await mona.get(`/spaces/${spaceId}/mentees`);
    expect(page.status, page.body.slice(0, 500)).to.equal(200);
    expect(rowsOf(page.body)).to.deep.equal([['l-2', 'In progress']]);
    expect(page.body).not.to.contain('Learner 01');
    expect(page.body).to.contain('0 of 1 prepared');
    // The staff roster and CSV stay closed to a mentor.
    expect((await mona.get(`/spaces/${spaceId}/readiness`)).status).to.equal(403);
    expect((await mona.get(`/spaces/${spaceId}/readiness.csv`)).status).to.equal(403);
    // A learner who claims mentees is not a mentor.
    const sneaky = await join({ sub: 'l-3', roles: [ROLE.learner], mentees: ['l-1'] });
    expect((await sneaky.get(`/spaces/${spaceId}/mentees`)).status).to.equal(403);
  });

  describe('participation grading through AGS', () => {
    const scoresBySub = () => new Map(services(stack.emu).scores.map((x) => [String(x.body.userId), x.body]));

    it('refuses bad settings with 400 and keeps what was typed; learners get 403', async () => {
      const bad = await teacher.post(`/spaces/${spaceId}/grading`, { enabled: 'on', weight_prep: 'lots', weight_replies: '40', weight_reflections: '0', replies_target: '2' });
      expect(bad.status).to.equal(400);
      expect(bad.body).to.contain('value="lots" aria-invalid="true"');
      expect(bad.body).to.contain('Enter a whole number from 0 to 100.');
      expect((await ann.get(`/spaces/${spaceId}/grading`)).status).to.equal(403);
      expect((await ann.post(`/spaces/${spaceId}/grading/sync`)).status).to.equal(403);
      // Off: no grade column, and sync is refused.
      expect((await teacher.get(`/spaces/${spaceId}/readiness`)).body).not.to.contain('Grade sync');
      expect((await teacher.post(`/spaces/${spaceId}/grading/sync`)).status).to.equal(409);
    });

    it('creates the line item for the resource link and sends each learner\'s weighted score', async () => {
      const saved = await teacher.post(`/spaces/${spaceId}/grading`, { enabled: 'on', weight_prep: '60', weight_replies: '40', weight_reflections: '0', replies_target: '2' });
      expect(saved.status, saved.body.slice(0, 500)).to.equal(303);
      // Someone not on the roster who launched as a learner is graded too.
      await join({ sub: 'walk-in', name: 'Wally Walkin', roles: [ROLE.learner] });
      services(stack.emu).scores.length = 0;
      const page = await teacher.follow(await teacher.post(`/spaces/${spaceId}/grading/sync`));
      const items = lineItemsOf(stack.emu, COURSE);
      expect(items).to.have.length(1);
      expect(items[0]).to.include({ resourceLinkId: 'ready-link', scoreMaximum: 100, tag: 'threadline-participation' });
      const got = scoresBySub();
      // Ann: both prompts (prep 1 × 60); Ben: 1 of 2 (0.5 × 60); Wally launched, did nothing: 0.
      expect(got.get('l-1')).to.include({ scoreGiven: 60, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
      expect(got.get('l-2')).to.include({ scoreGiven: 30, scoreMaximum: 100 });
      expect(got.get('walk-in')).to.include({ scoreGiven: 0 });
      expect(String(got.get('l-1')!.timestamp)).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(services(stack.emu).scores.every((x) => x.lineItemId === items[0]!.id || items[0]!.id.endsWith(x.lineItemId))).to.equal(true);
      expect(page.body).to.contain('Grades sent: 3 synced, 0 failed');
      expect(page.body).to.match(/data-sub="l-1">[\s\S]*?grade-score">60<\/span> · <span class="grade-status grade-status--synced">Synced/);
      // Unchanged scores are not sent again.
      services(stack.emu).scores.length = 0;
      await teacher.post(`/spaces/${spaceId}/grading/sync`);
      expect(services(stack.emu).scores).to.have.length(0);
    });

    it('a failing AGS leaves the score failed (shown), and the background retry sends it after the backoff', async () => {
      // Ben starts two threads: his score changes (prep 0.5 × 60 + replies 1 × 40 = 70).
      for (const text of ['one', 'two']) expect((await ben.post(`/spaces/${spaceId}/threads`, { title: `Ben ${text}`, body: `Ben says ${text}` })).status).to.equal(303);
      services(stack.emu).config.tokenError = { status: 503, body: { error: 'temporarily_unavailable' } };
      revokeTokens(stack.emu);
      let page: Awaited<ReturnType<Person['get']>>;
      try {
        page = await teacher.follow(await teacher.post(`/spaces/${spaceId}/grading/sync`));
      } finally {
        services(stack.emu).config.tokenError = null;
      }
      expect(page.body).to.contain('0 synced, 1 failed');
      expect(page.body).to.match(/data-sub="l-2">[\s\S]*?grade-score">70<\/span> · <span class="grade-status grade-status--failed">Failed<\/span><span class="grade-error">1 attempt: /);
      const grading = stack.tool.container.grading;
      services(stack.emu).scores.length = 0;
      // Not yet: the backoff (1 minute) has not passed.
      expect(await grading.retryDue()).to.deep.equal({ synced: 0, failed: 0 });
      const row = await stack.tool.container.db('grade_syncs').where({ sub: 'l-2' }).first();
      expect(Number(row.next_attempt_at) - Number(row.updated_at)).to.equal(60_000);
      // The minute passes (moved in the row: a moved tool clock would make the emulator refuse our JWT's iat).
      await stack.tool.container.db('grade_syncs').where({ sub: 'l-2' }).update({ next_attempt_at: Date.now() - 1 });
      expect(await grading.retryDue()).to.deep.equal({ synced: 1, failed: 0 });
      expect(scoresBySub().get('l-2')).to.include({ scoreGiven: 70 });
      const after = await teacher.get(`/spaces/${spaceId}/readiness`);
      expect(after.body).to.match(/data-sub="l-2">[\s\S]*?grade-status--synced">Synced/);
    });
  });
  // Last: it changes the space's prep rule.
  describe("readiness by the journey's prep completion rule", () => {
    it('min_peer_replies counts: prompts alone no longer prepare; a reply to a peer does; a completion already recorded stays', async () => {
      expectOk(await teacher.post(`/spaces/${spaceId}/journey/settings`, { event_end: '', require_prompts: 'on', min_peer_replies: '1' }));
      const cy = await join({ sub: 'l-31', name: 'Learner 31', roles: [ROLE.learner] });
      for (const p of prompts) expect((await cy.post(`/threads/${p}/replies`, { body: `Cy on ${p}` })).status).to.equal(303);
      const cyId = (await stack.tool.container.db('users').where({ sub: 'l-31' }).first()).id as string;
      // (l-31 is on the roster since the refresh test.) The prompt-only rule would call Cy prepared; the journey's rule wants a reply to a peer too.
      expect((await createPromptPrepStatusSource(stack.tool.container.db).statuses(spaceId, [cyId])).byUser.get(cyId)!.state).to.equal('prepared');
      let rows = rowsOf((await teacher.get(`/spaces/${spaceId}/readiness?sort=name`)).body);
      expect(rows.find(([sub]) => sub === 'l-31')).to.deep.equal(['l-31', 'In progress']);
      // Ann completed prep under the earlier rule: her recorded completion stands.
      expect(rows.find(([sub]) => sub === 'l-1')).to.deep.equal(['l-1', 'Prepared']);
      const csv = (await teacher.get(`/spaces/${spaceId}/readiness.csv`)).body;
      expect(csv.split('\r\n').find((l) => l.includes('"l-31"'))).to.match(/^"Learner 31","l-31","In progress",/);

      const bens = (await stack.tool.container.db('threads').where({ space_id: spaceId, title: 'Ben one' }).first()).id as string;
      expect((await cy.post(`/threads/${bens}/replies`, { body: 'Cy replies to Ben' })).status).to.equal(303);
      rows = rowsOf((await teacher.get(`/spaces/${spaceId}/readiness?sort=name`)).body);
      expect(rows.find(([sub]) => sub === 'l-31')).to.deep.equal(['l-31', 'Prepared']);
    });
  });
});
