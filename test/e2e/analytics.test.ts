import { expect } from 'chai';
import { DateTime } from 'luxon';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, postIdFrom, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

const COURSE = 'analytics-course';
const ZONE = 'Europe/Madrid';
const XSS_TAG = '<img src=x onerror=alert(1)>';
const FORMULA = '=HYPERLINK("http://evil.example","x")';

/** CSV lines without the BOM, split per RFC 4180 (CRLF). */
const csvLines = (res: Page): string[] => {
  expect(res.body.startsWith('\ufeff'), 'UTF-8 BOM').to.equal(true);
  expect(res.body.endsWith('\r\n')).to.equal(true);
  return res.body.slice(1).replace(/\r\n$/, '').split('\r\n');
};

describe('analytics dashboard (e2e through the emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let teacher: Participant;
  let ann: Participant;
  let ben: Participant;
  let cid: Participant;
  let spaceId: string;
  let openQuestion: string;
  const today = () => DateTime.now().setZone(ZONE).toISODate()!;

  const join = (spec: LaunchSpec) => joinCourse(stack, { contextId: COURSE, contextTitle: 'Negotiation skills', resourceLinkId: 'analytics-link', ...spec });

  before(async () => {
    stack = await startStack();
    teacher = await join({ sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = expectStatus(await teacher.post('/app/setup', { kind: 'prep', title: 'Négociation prep 2026', time_zone: ZONE }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const eventDay = DateTime.now().setZone(ZONE).plus({ days: 2 }).toISODate()!;
    expectStatus(await teacher.post(`/spaces/${spaceId}/settings`, { title: 'Négociation prep 2026', intro: '', time_zone: ZONE, anonymity: 'off', event_date: eventDay, event_time: '10:00' }));
    expectStatus(await teacher.post(`/spaces/${spaceId}/prompts`, { title: 'Your BATNA', body: 'Think about it', required: 'on' }));
    const promptId = (await stack.tool.container.db('prompt_details').where({ space_id: spaceId }).first()).thread_id as string;
    expectStatus(await teacher.post(`/spaces/${spaceId}/tags`, { label: XSS_TAG }));
    const tagId = (await stack.tool.container.db('space_tags').where({ space_id: spaceId }).first()).id as string;

    ann = await join({ sub: 'ann', name: 'Ann Archer', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Baker', roles: [ROLE.learner] });
    cid = await join({ sub: 'cid', name: 'Cid Cole', roles: [ROLE.learner] });
    // Ann and Ben answer the required prompt (prepared); Cid does not.
    expectStatus(await ann.post(`/threads/${promptId}/replies`, { body: 'Walk away at 40k' }));
    expectStatus(await ben.post(`/threads/${promptId}/replies`, { body: 'Another offer in hand' }));
    // Ann asks a question, Ben answers it, Ann finds the answer helpful; Cid's question gets no answer.
    const asked = threadIdFrom(expectStatus(await ann.post(`/spaces/${spaceId}/threads`, { title: 'How high do I anchor?', body: 'Asking for a friend', kind: 'question' })));
    expectStatus(await ann.post(`/threads/${asked}/tags`, { tags: tagId }));
    const answer = postIdFrom(expectStatus(await ben.post(`/threads/${asked}/replies`, { body: 'Higher than feels comfortable' })));
    expectStatus(await ann.post(`/posts/${answer}/react`));
    openQuestion = threadIdFrom(expectStatus(await cid.post(`/spaces/${spaceId}/threads`, { title: FORMULA, body: 'Formula in the title', kind: 'question' })));
    // Ann plans to apply the training and names a barrier (starting like a formula: + is one).
    expectStatus(await ann.post(`/spaces/${spaceId}/journey/plans`, { goal: 'Anchor first', situation: '', target_date: '', status: 'tried', barrier: '+Time pressure' }));
  });
  after(async () => stack?.close());

  it('shows the instructor the space dashboard: figures, six charts with accessible names, and data tables', async () => {
    const page = expectStatus(await teacher.get(`/spaces/${spaceId}/analytics`), 200);
    const html = page.body;
    expect(html).to.contain('<h1>Analytics dashboard</h1>');
    // 2 of 3 learners prepared (the teacher is not a learner).
    expect(html).to.contain('2 of 3 (67%)');
    const charts = [...html.matchAll(/<svg [^>]*role="img" aria-labelledby="([a-z-]+)-title \1-desc"/g)].map((m) => m[1]);
    expect(charts).to.deep.equal(['chart-prep', 'chart-engagement', 'chart-transfer', 'chart-barriers', 'chart-contributors', 'chart-tags']);
    for (const id of charts) expect(html).to.match(new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`));
    // The prep chart marks the event, and says the figure in words.
    expect(html).to.match(/<desc id="chart-prep-desc">Share of learners prepared by the end of each day, from [^<]*: 67% on the last day \(2 of 3 learners\)\. The event is on [^<]+\.<\/desc>/);
    expect(html).to.contain('>Event: ');
    // Tables: caption, column and row headers; per-day tables fold under "Show data table".
    expect(html).to.contain('<caption id="caption-engagement">Posts, replies and reactions per day</caption>');
    // A wide table scrolls in a region named by its caption, which the keyboard can reach.
    expect(html).to.contain('role="region" aria-labelledby="caption-engagement" tabindex="0"');
    expect(html).to.match(/<summary>Show data table: Posts, replies and reactions per day<\/summary>/);
    expect(html).to.contain('<th scope="col">Median time to first response</th>');
    expect(html).to.match(/<th scope="row">Ann Archer<\/th>/);
    // A barrier and a question title are user content: escaped; the open question links to its thread.
    expect(html).to.contain('+Time pressure');
    expect(html).to.contain(`/threads/${openQuestion}?session=`);
    expect(html).to.contain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)');
    expect(html).not.to.contain(FORMULA);
    // A tag label is user content too: in the trending chart and its table, as text only.
    expect(html).not.to.contain('<img');
    expect(html.match(/&lt;img src=x onerror=alert\(1\)&gt;/g)!.length).to.be.at.least(3);
    // One CSV link per table.
    for (const table of ['prep-rate', 'response', 'unanswered', 'engagement', 'transfer', 'barriers', 'contributors', 'tags']) {
      expect(html, table).to.match(new RegExp(`href="/spaces/${spaceId}/analytics\\.csv\\?table=${table}&amp;session=[^"]+" download>`));
    }
  });

  it('exports each table as RFC 4180 CSV with the space title in the file name', async () => {
    const res = expectStatus(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=engagement`), 200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="negociation-prep-2026-engagement.csv"');
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const lines = csvLines(res);
    expect(lines[0]).to.equal('"Day","Posts","Replies","Reactions"');
    const rows = lines.slice(1).map((l) => l.slice(1, -1).split('","'));
    expect(rows.at(-1)![0]).to.equal(today());
    // Two prompt answers and two questions are posts; Ben's answer a reply; Ann's "helpful" a reaction.
    const sum = (i: number) => rows.reduce((s, r) => s + Number(r[i]), 0);
    expect([sum(1), sum(2), sum(3)]).to.deep.equal([4, 1, 1]);

    const response = csvLines(expectStatus(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=response`), 200));
    expect(response[0]).to.equal('"Questions","Got a response","Median time to first response","90th percentile","Without a response"');
    expect(response[1]).to.match(/^"2","1","\d+(\.\d+)?","\d+(\.\d+)?","1"$/);

    const prep = csvLines(expectStatus(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=prep-rate`), 200));
    expect(prep.at(-1)).to.equal(`"${today()}","2","3","0.6667"`);
  });

  it('neutralises cells that a spreadsheet would run as formulas', async () => {
    const unanswered = csvLines(expectStatus(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=unanswered`), 200));
    expect(unanswered).to.have.length(2);
    expect(unanswered[1]).to.match(/^"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)","\d{4}-\d\d-\d\dT[\d:.]+Z","[\d.]+"$/);
    const barriers = csvLines(expectStatus(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=barriers`), 200));
    expect(barriers).to.deep.equal(['"Barrier","Times named"', `"'+Time pressure","1"`]);
  });

  it('refuses a table that does not exist (400) and needs one named', async () => {
    expect((await teacher.get(`/spaces/${spaceId}/analytics.csv?table=secrets`)).status).to.equal(400);
    expect((await teacher.get(`/spaces/${spaceId}/analytics.csv`)).status).to.equal(400);
    expect((await teacher.get(`/course/analytics.csv?table=../../etc`)).status).to.equal(400);
  });

  it('is for staff: learners and mentors get 403 on pages and CSV; only staff see the links', async () => {
    const mona = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ann'] });
    for (const who of [ann, cid, mona]) {
      for (const path of [`/spaces/${spaceId}/analytics`, `/spaces/${spaceId}/analytics.csv?table=contributors`, '/course/analytics', '/course/analytics.csv?table=engagement']) {
        const res = await who.get(path);
        expect(res.status, path).to.equal(403);
        expect(res.body).not.to.contain('Ann Archer');
      }
    }
    expect((await ann.get(`/spaces/${spaceId}/analytics`)).body).to.contain('The analytics dashboard is for instructors and teaching assistants.');
    expect((await teacher.get(`/spaces/${spaceId}`)).body).to.contain(`/spaces/${spaceId}/analytics?session=`);
    expect((await teacher.get(`/spaces/${spaceId}/readiness`)).body).to.contain(`/spaces/${spaceId}/analytics?session=`);
    expect((await ann.get(`/spaces/${spaceId}`)).body).not.to.contain('/analytics');
    // An unknown space is a 404, for staff too.
    expect((await teacher.get('/spaces/00000000-0000-4000-8000-000000000000/analytics')).status).to.equal(404);
  });

  it('shows the course dashboard over every space of the course, with its CSV named after the course', async () => {
    // A second space in the same course: the course view counts both.
    const other = await joinCourse(stack, { sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor], contextId: COURSE, contextTitle: 'Negotiation skills', resourceLinkId: 'analytics-link-2' });
    const setup = expectStatus(await other.post('/app/setup', { kind: 'post_event', title: 'After the course', time_zone: ZONE }));
    const second = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    expectStatus(await ben.post(`/spaces/${second}/threads`, { title: 'What next?', body: 'Ideas', kind: 'question' }));
    const page = expectStatus(await teacher.get('/course/analytics'), 200);
    expect(page.body).to.contain('<h1>Analytics for the whole course</h1>');
    expect(page.body).to.contain('What next?');
    expect(page.body).to.contain('=HYPERLINK(&#34;');
    const res = expectStatus(await teacher.get('/course/analytics.csv?table=response'), 200);
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="negotiation-skills-response.csv"');
    expect(csvLines(res)[1]).to.match(/^"3","1",/);
    // The space dashboard still counts its own space only.
    expect(csvLines(await teacher.get(`/spaces/${spaceId}/analytics.csv?table=response`))[1]).to.match(/^"2","1",/);
  });

  it('gives another course 404 for this course\'s space, and a course dashboard with none of its data', async () => {
    const outsiders = [
      await joinCourse(stack, { sub: 'out-teach', name: 'Oscar Outsider', roles: [ROLE.instructor], contextId: 'other-course', resourceLinkId: 'o-link' }),
      await joinCourse(stack, { sub: 'out-learn', roles: [ROLE.learner], contextId: 'other-course', resourceLinkId: 'o-link' }),
      // The same user of this course, launched from another course: still another course.
      await joinCourse(stack, { sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor], contextId: 'third-course', resourceLinkId: 't-link' }),
    ];
    for (const who of outsiders) {
      for (const path of [`/spaces/${spaceId}/analytics`, `/spaces/${spaceId}/analytics.csv?table=unanswered`]) {
        const res = await who.get(path);
        expect(res.status, path).to.equal(404);
        expect(res.body).not.to.contain('HYPERLINK');
        expect(res.body).not.to.contain('Négociation');
      }
    }
    const own = expectStatus(await outsiders[0]!.get('/course/analytics'), 200);
    for (const secret of ['Ann Archer', 'HYPERLINK', 'How high do I anchor', 'Négociation', 'Time pressure']) expect(own.body, secret).not.to.contain(secret);
    expect(own.body).to.contain('No data yet');
  });

  it('speaks Spanish to a Spanish launch, with Spanish number formats', async () => {
    const profe = await join({ sub: 'teach-es', name: 'Profe Ruiz', roles: [ROLE.instructor], locale: 'es-ES' });
    const page = expectStatus(await profe.get(`/spaces/${spaceId}/analytics`), 200);
    expect(page.body).to.contain('<html lang="es">');
    expect(page.body).to.contain('<h1>Panel de analítica</h1>');
    // Intl puts a no-break space before the per cent sign in Spanish.
    expect(page.body).to.contain('2 de 3 (67\u00a0%)');
    expect(page.body).to.contain('Mostrar la tabla de datos');
    for (const english of ['Analytics dashboard', 'Download CSV', 'No data yet', 'Show data table', 'Prep rate', 'Top contributors', 'learners']) expect(page.body, english).not.to.contain(english);
    const csv = expectStatus(await profe.get(`/spaces/${spaceId}/analytics.csv?table=engagement`), 200);
    expect(csvLines(csv)[0]).to.equal('"Día","Publicaciones","Respuestas","Reacciones"');
  });
});
