import { expect } from 'chai';
import { sha256 } from '../../src/ids.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

interface Person {
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
}

/**
 * English UI phrases from locales/en (views, counted phrases, errors, field errors). None may be on
 * a page a Spanish launch sees; user content (titles, bodies, names below) is chosen so that it
 * cannot contain them.
 */
const ENGLISH = [
  'Start a thread', 'Sort by:', 'Most active', 'Newest', 'Most helpful', 'No threads yet', 'Signed in as',
  'last reply', 'Pages of threads', 'Oldest first', 'Reply to the thread', 'Post reply', 'Your reply',
  'Started by', 'Accepted answer', 'Endorsed by instructor', 'found this helpful', 'Withdraw endorsement',
  'Accept as answer', 'Delete this post?', 'Pin thread', 'Lock thread', 'Kind of thread', 'Post thread',
  'Save changes', 'Edit your thread', 'Back to the thread', 'Markdown works', 'Skip to content',
  'Link to this post', '1 reply', 'more replies', 'Edit history', 'Give the thread a title', 'Write something first',
  'does not exist in this course', 'Pre-course prep', '(learner)', 'Something went wrong', 'could not continue', 'Error code:',
  'Analytics dashboard', 'Download CSV', 'Show data table', 'No data yet', 'Figures as of', 'Top contributors', 'Trending tags', 'Engagement over time',
];

function englishIn(html: string): string[] {
  return ENGLISH.filter((phrase) => html.includes(phrase));
}

describe('a Spanish launch sees no English UI text (e2e)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ana: Person;
  let spaceId: string;
  let threadId: string;
  let replyId: string;
  let promptId: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: csrf, ...fields } }),
    };
  }
  const see = (res: Page, status: number): Page => {
    expect(res.status, res.body.slice(0, 800)).to.equal(status);
    return res;
  };

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'es-teacher', name: 'Profe Ruiz', roles: [ROLE.instructor], locale: 'es-ES' });
    const setup = see(await teacher.post('/app/setup', { kind: 'prep', title: 'Espacio zq', time_zone: 'Europe/Madrid' }), 303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ana = await join({ sub: 'es-ana', name: 'Ana Pérez', roles: [ROLE.learner], locale: 'es-ES' });
    const t = see(await ana.post(`/spaces/${spaceId}/threads`, { title: 'Hilo zq', body: 'Cuerpo zq @Profe', kind: 'question' }), 303);
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(t.headers.get('location')!)![1]!;
    const r = see(await teacher.post(`/threads/${threadId}/replies`, { body: 'Respuesta zq de @Ana' }), 303);
    replyId = /#post-([0-9a-f-]{36})$/.exec(r.headers.get('location')!)![1]!;
    see(await teacher.post(`/posts/${replyId}/endorse`), 303);
    see(await ana.post(`/posts/${replyId}/react`), 303);
    see(await ana.post(`/posts/${replyId}/accept`), 303);
    const p = see(await teacher.post(`/spaces/${spaceId}/prompts`, { title: 'Consigna zq', body: 'Detalles zq', required: 'on' }), 303);
    const settings = see(await teacher.get(p.headers.get('location')!.replace(base, '').split('#')[0]!.replace(/[?&]session=[^&]*/, '')), 200);
    promptId = new RegExp('<a href="/threads/([0-9a-f-]{36})\\?session=[^"]+">Consigna zq</a>').exec(settings.body)![1]!;
  });
  after(async () => stack?.close());

  it('walks the main pages in Spanish, as a learner and as an instructor', async () => {
    const pages: Array<[Person, string]> = [
      [ana, `/spaces/${spaceId}`],
      [teacher, `/spaces/${spaceId}`],
      [ana, `/threads/${threadId}`],
      [teacher, `/threads/${threadId}`],
      [ana, `/spaces/${spaceId}/threads/new`],
      [teacher, `/posts/${replyId}/edit`],
      [ana, `/threads/${promptId}`],
      [ana, `/spaces/${spaceId}/search?q=zq`],
      [ana, `/spaces/${spaceId}/notifications`],
      [teacher, `/spaces/${spaceId}/moderation`],
      [ana, `/spaces/${spaceId}/useful`],
      [teacher, `/spaces/${spaceId}/settings`],
      [teacher, `/spaces/${spaceId}/analytics`],
      [teacher, '/course/analytics'],
    ];
    for (const [who, path] of pages) {
      const page = see(await who.get(path), 200);
      expect(page.body, path).to.contain('<html lang="es">');
      expect(englishIn(page.body), path).to.deep.equal([]);
    }
    // The Spanish words are there, with Spanish plurals, not just English taken away.
    const space = (await ana.get(`/spaces/${spaceId}`)).body;
    expect(space).to.contain('Iniciar un hilo').and.to.contain('1 respuesta');
    const thread = (await teacher.get(`/threads/${threadId}`)).body;
    expect(thread).to.contain('Respaldada por el instructor').and.to.contain('A 1 persona le resultó útil').and.to.contain('Respuesta aceptada');
  });

  it('says an error page in Spanish: an id from nowhere gets the Spanish 404', async () => {
    const page = see(await ana.get('/threads/00000000-0000-4000-8000-000000000000'), 404);
    expect(page.body).to.contain('Este hilo no existe en este curso.').and.to.contain('Threadline no pudo continuar');
    expect(englishIn(page.body)).to.deep.equal([]);
  });

  it('says field errors in Spanish and gives back what was typed', async () => {
    const page = see(await ana.post(`/spaces/${spaceId}/threads`, { title: '', body: 'Lo que escribí zq', kind: 'discussion' }), 400);
    expect(page.body).to.contain('Ponle un título al hilo.').and.to.contain('Lo que escribí zq</textarea>');
    expect(englishIn(page.body)).to.deep.equal([]);
    const big = see(await ana.post(`/spaces/${spaceId}/threads`, { title: 'Largo', body: 'x'.repeat(20_001), kind: 'discussion' }), 413);
    expect(big.body).to.contain('Las publicaciones pueden tener hasta 20.000 caracteres; esta tiene 20.001.');
  });

  it('still speaks English to an English launch (the catalogue is the source of the English text too)', async () => {
    const en = await join({ sub: 'en-learner', name: 'Eve', roles: [ROLE.learner], locale: 'en-US' });
    const page = see(await en.post(`/spaces/${spaceId}/threads`, { title: '', body: 'typed', kind: 'discussion' }), 400);
    expect(page.body).to.contain('Give the thread a title.').and.to.contain('<html lang="en">');
    expect(see(await en.get('/threads/00000000-0000-4000-8000-000000000000'), 404).body).to.contain('This thread does not exist in this course.');
  });
});
