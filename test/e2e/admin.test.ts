import { expect } from 'chai';
import { PlatformEmulator, ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { expectStatus, joinCourse, type Participant } from '../helpers/participant.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import { TestBrowser, type Page } from '../helpers/test-browser.js';

const SYSTEM_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator';
const CONTEXT_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A tool admin's browser: a cookie jar, forms with the admin CSRF token read from the page. */
class TokenAdmin {
  readonly browser = new TestBrowser();
  csrf = '';
  constructor(private readonly base: string) {}
  async login(token: string): Promise<Page> {
    return this.browser.request(`${this.base}/admin/login`, { form: { token } });
  }
  async get(path: string): Promise<Page> {
    const page = await this.browser.request(`${this.base}${path}`);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (m) this.csrf = m[1]!;
    return page;
  }
  post(path: string, fields: Record<string, string> = {}, csrf: string | null = this.csrf): Promise<Page> {
    return this.browser.request(`${this.base}${path}`, { form: csrf === null ? fields : { _csrf: csrf, ...fields } });
  }
}

describe('admin area (e2e through the emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let other: PlatformEmulator;
  let stub: LrsStub;
  let base: string;
  let platformA: string;
  let platformB: string;
  let tool: TokenAdmin;
  let platformAdmin: Participant;

  const otherStack = (): Stack => ({ tool: stack.tool, emu: other, close: async () => {} });
  const spec = (extra: LaunchSpec): LaunchSpec => ({ contextId: 'admin-course', contextTitle: 'Course <script>alert(1)</script>', resourceLinkId: 'admin-link', ...extra });

  before(async () => {
    stub = await LrsStub.start({ username: 'acme', password: 's3cret-Pa55' });
    stack = await startStack();
    base = stack.tool.publicUrl;
    const c = stack.tool.container;
    platformA = (await c.platforms.findByIssuerAndClient(stack.emu.issuer, stack.emu.clientId))!.id;
    // A second platform on the same tool, for isolation.
    other = await PlatformEmulator.start({ toolUrl: base, clientId: 'other-client' });
    const b = await c.platforms.upsert({ issuer: other.issuer, clientId: other.clientId, name: 'Other LMS', productFamily: null, authEndpoint: other.authEndpoint, tokenEndpoint: other.tokenEndpoint, jwksUri: other.jwksUri, tokenAudience: null, source: 'manual' }, Date.now());
    await c.platforms.addDeployment(b.id, other.deploymentId, Date.now());
    platformB = b.id;
    tool = new TokenAdmin(base);
    const { token } = await c.adminAuth.issue('e2e', 3_600_000);
    expectStatus(await tool.login(token));
    platformAdmin = await joinCourse(stack, spec({ sub: 'inst-admin', name: 'Ada Admin', roles: [ROLE.admin] }));
  });

  after(async () => {
    await other?.close();
    await stack?.close();
    await stub?.close();
  });

  describe('signing in with a token', () => {
    it('a good token opens a top-level session: HttpOnly SameSite=Strict cookie on /admin, never framed', async () => {
      const b = new TokenAdmin(base);
      const { token } = await stack.tool.container.adminAuth.issue('good', 3_600_000);
      const res = expectStatus(await b.login(token));
      expect(res.headers.get('location')).to.equal('/admin');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tl_admin='))!;
      expect(cookie).to.match(/HttpOnly/).and.match(/SameSite=Strict/).and.match(/Path=\/admin/);
      expect(cookie).not.to.include(token);
      const page = await b.get('/admin/platforms');
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
      expect(page.body).to.include('Emulator').and.include('Other LMS');
    });

    it('a wrong, expired or revoked token is refused with 401 and no session', async () => {
      const c = stack.tool.container;
      const expired = await c.adminAuth.issue('short', 1);
      await sleep(5);
      const revoked = await c.adminAuth.issue('gone', 3_600_000);
      // A session opened before the revocation ends with it.
      const b = new TokenAdmin(base);
      expectStatus(await b.login(revoked.token));
      expect((await b.get('/admin/platforms')).status).to.equal(200);
      await c.adminAuth.revoke(revoked.record.id);
      for (const t of ['tla_not-a-real-token', expired.token, revoked.token]) {
        const res = await new TokenAdmin(base).login(t);
        expect(res.status, t).to.equal(401);
        expect(res.body).to.include('not valid');
        expect(res.headers.getSetCookie().some((x) => x.startsWith('tl_admin=') && !/Max-Age=0/.test(x))).to.equal(false);
      }
      const after = await b.get('/admin/platforms');
      expect(after.status).to.equal(303);
      expect(after.headers.get('location')).to.equal('/admin/login');
    });

    it('without a session /admin sends the browser to the sign-in form; a POST is refused', async () => {
      const res = await new TestBrowser().request(`${base}/admin/platforms`);
      expect(res.status).to.equal(303);
      expect(res.headers.get('location')).to.equal('/admin/login');
      const login = await new TestBrowser().request(`${base}/admin/login`);
      expect(login.body).to.match(/<label for="token">Admin token<\/label>/).and.match(/<input type="password" id="token" name="token"/);
      expect((await new TestBrowser().request(`${base}/admin/keys/rotate`, { form: { _csrf: 'x' } })).status).to.equal(401);
    });

    it('rate-limits failed sign-ins per client: the sixth try within 15 minutes gets 429, even with a good token', async () => {
      await stack.tool.container.db('admin_login_failures').delete();
      for (let i = 0; i < 5; i++) expect((await new TokenAdmin(base).login(`tla_wrong-${i}`)).status).to.equal(401);
      const { token } = await stack.tool.container.adminAuth.issue('late', 3_600_000);
      const res = await new TokenAdmin(base).login(token);
      expect(res.status).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
      await stack.tool.container.db('admin_login_failures').delete();
      expectStatus(await new TokenAdmin(base).login(token));
    });

    it('logs out (CSRF-checked), after which the cookie no longer works', async () => {
      const b = new TokenAdmin(base);
      expectStatus(await b.login((await stack.tool.container.adminAuth.issue('bye', 3_600_000)).token));
      await b.get('/admin/platforms');
      expect((await b.post('/admin/logout', {}, 'forged')).status).to.equal(403);
      const cookie = b.browser.cookies.get('tl_admin')!;
      const out = expectStatus(await b.post('/admin/logout'));
      expect(out.headers.get('location')).to.equal('/admin/login?out=1');
      expect(b.browser.cookies.has('tl_admin')).to.equal(false);
      b.browser.cookies.set('tl_admin', cookie);
      expect((await b.get('/admin/platforms')).status).to.equal(303);
    });
  });

  describe('who may come in from a launch', () => {
    it('an institution Administrator launch gets an Admin link on the space page and lands on its own platform', async () => {
      const teacher = await joinCourse(stack, spec({ sub: 'teach', roles: [ROLE.instructor] }));
      const setup = expectStatus(await teacher.post('/app/setup', { kind: 'post_event', title: 'Admin course space', time_zone: 'UTC' }));
      const spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
      expect((await teacher.get(`/spaces/${spaceId}`)).body).not.to.include('/admin?session=');
      const page = await platformAdmin.get(`/spaces/${spaceId}`);
      expect(page.body).to.include(`href="/admin?session=${encodeURIComponent(platformAdmin.token)}"`);
      const landing = await platformAdmin.get('/admin');
      expect(landing.status).to.equal(303);
      expect(landing.headers.get('location')).to.equal(`/admin/platforms/${platformA}?session=${encodeURIComponent(platformAdmin.token)}`);
    });

    for (const [who, roles] of [
      ['an Instructor', [ROLE.instructor]],
      ['a Learner', [ROLE.learner]],
      ['a course (membership) Administrator', [CONTEXT_ADMIN]],
    ] as const) {
      it(`${who} launch is refused from /admin with 403`, async () => {
        const p = await joinCourse(stack, spec({ sub: `no-${who}`, roles: [...roles] }));
        for (const path of ['/admin', '/admin/platforms', '/admin/refusals', `/admin/platforms/${platformA}`]) expect((await p.get(path)).status, path).to.equal(403);
        expect((await p.post(`/admin/platforms/${platformA}/deployments`, { deployment_id: 'x' })).status).to.equal(403);
      });
    }

    it('a system Administrator launch is a platform admin too', async () => {
      const p = await joinCourse(stack, spec({ sub: 'sys', roles: [SYSTEM_ADMIN] }));
      expect((await p.get('/admin/platforms')).status).to.equal(200);
    });

    it('a platform admin sees and acts on its own platform only; keys and platform changes are the tool admin\'s', async () => {
      const list = await platformAdmin.get('/admin/platforms');
      expect(list.status).to.equal(200);
      expect(list.body).to.include('Emulator').and.not.include('Other LMS');
      expect(list.body).not.to.include('Register a platform');
      expect(list.body).not.to.include('/admin/keys');
      expect((await platformAdmin.get(`/admin/platforms/${platformB}`)).status).to.equal(404);
      expect((await platformAdmin.post(`/admin/platforms/${platformB}/deployments`, { deployment_id: 'sneaky' })).status).to.equal(404);
      expect((await platformAdmin.post(`/admin/platforms/${platformB}/deployments/status`, { deployment_id: other.deploymentId, status: 'disabled' })).status).to.equal(404);
      expect((await platformAdmin.get('/admin/keys')).status).to.equal(403);
      expect((await platformAdmin.post('/admin/keys/rotate')).status).to.equal(403);
      expect((await platformAdmin.post(`/admin/platforms/${platformA}/status`, { status: 'disabled' })).status).to.equal(403);
      expect((await platformAdmin.post('/admin/platforms', { issuer: 'https://x.example', client_id: 'x', auth_url: 'https://x.example/a', token_url: 'https://x.example/t', jwks_url: 'https://x.example/j' })).status).to.equal(403);
      expect(await stack.tool.container.platforms.findDeployment(platformB, 'sneaky')).to.equal(null);
    });

    it('refuses a POST without the CSRF token, or with another session\'s', async () => {
      expect((await platformAdmin.post(`/admin/platforms/${platformA}/deployments`, { deployment_id: 'no-csrf' }, { csrf: null })).status).to.equal(403);
      expect((await platformAdmin.post(`/admin/platforms/${platformA}/deployments`, { deployment_id: 'no-csrf' }, { csrf: tool.csrf || 'x' })).status).to.equal(403);
      expect((await tool.post('/admin/keys/rotate', { confirm: '1' }, null)).status).to.equal(403);
      expect(await stack.tool.container.platforms.findDeployment(platformA, 'no-csrf')).to.equal(null);
    });
  });

  describe('pages and actions', () => {
    it('every page renders for the tool admin', async () => {
      for (const path of ['/admin/platforms', `/admin/platforms/${platformA}`, '/admin/keys', '/admin/lrs', '/admin/dead-letters', '/admin/refusals']) {
        const page = await tool.get(path);
        expect(page.status, path).to.equal(200);
        expect(page.body, path).to.include('<h1>');
      }
    });

    it('privacy requests: a tool admin finds a learner, downloads the export and erases them (CSRF-checked); a platform admin gets 403', async () => {
      const learner = await joinCourse(stack, spec({ sub: 'privacy-learner', name: 'Pia Private', roles: [ROLE.learner] }));
      expect((await learner.get('/admin/privacy')).status).to.equal(403);
      expect((await platformAdmin.get('/admin/privacy')).status).to.equal(403);
      const found = await tool.browser.request(`${base}/admin/privacy?issuer=${encodeURIComponent(stack.emu.issuer)}&client=${encodeURIComponent(stack.emu.clientId)}&sub=privacy-learner`);
      expect(found.status).to.equal(303);
      const userPath = new URL(found.headers.get('location')!, base).pathname;
      expect(userPath).to.match(/^\/admin\/privacy\/users\/[0-9a-f-]{36}$/);
      const page = await tool.get(userPath);
      expect(page.status).to.equal(200);
      expect(page.body).to.include('privacy-learner');
      const exported = await tool.post(`${userPath}/export`);
      expect(exported.status).to.equal(200);
      expect(exported.headers.get('content-disposition')).to.include('attachment');
      expect(exported.body).to.include('privacy-learner').and.include('Pia Private');
      // No CSRF token, or a platform admin's: nothing happens.
      expect((await tool.post(`${userPath}/erase`, { confirm: 'yes' }, null)).status).to.equal(403);
      // A platform admin's form is refused before its body is read (401 or 403, never an erase).
      expect((await platformAdmin.post(`${userPath}/erase`, { confirm: 'yes' })).status).to.be.oneOf([401, 403]);
      const userId = userPath.split('/').pop()!;
      expect(await stack.tool.container.privacy.erasure(userId)).to.equal(null);
      const erased = await tool.post(`${userPath}/erase`, { confirm: 'yes' });
      expect(erased.status).to.equal(303);
      expect(await stack.tool.container.privacy.erasure(userId)).to.not.equal(null);
      const after = await tool.get(userPath);
      expect(after.status).to.equal(200);
      expect(after.body).not.to.include('privacy-learner');
    });

    it('adds a platform from the form (zod-validated), then disables and enables it', async () => {
      await tool.get('/admin/platforms');
      const bad = await tool.post('/admin/platforms', { issuer: 'http://lms.example.edu', client_id: '', auth_url: 'nope', token_url: 'https://lms.example.edu/t', jwks_url: 'https://lms.example.edu/j' });
      expect(bad.status).to.equal(400);
      expect(bad.body).to.include('aria-invalid="true"').and.include('Give an absolute https URL').and.include('Fill this in.');
      expect(bad.body).to.include('value="http://lms.example.edu"');
      const ok = expectStatus(await tool.post('/admin/platforms', { issuer: 'https://lms.example.edu', client_id: 'c-1', name: 'Uni LMS', auth_url: 'https://lms.example.edu/auth', token_url: 'https://lms.example.edu/token', jwks_url: 'https://lms.example.edu/jwks', deployment_id: 'dep-9' }));
      const id = /\/admin\/platforms\/([0-9a-f-]{36})/.exec(ok.headers.get('location')!)![1]!;
      const p = (await stack.tool.container.platforms.get(id))!;
      expect(p).to.include({ name: 'Uni LMS', source: 'manual', status: 'active' });
      expect((await stack.tool.container.platforms.listDeployments(id)).map((d) => d.deploymentId)).to.deep.equal(['dep-9']);
      expectStatus(await tool.post(`/admin/platforms/${id}/status`, { status: 'disabled' }));
      expect((await stack.tool.container.platforms.get(id))!.status).to.equal('disabled');
      const listed = await tool.get('/admin/platforms');
      expect(listed.body).to.match(/Uni LMS[\s\S]*?disabled/);
      expectStatus(await tool.post(`/admin/platforms/${id}/status`, { status: 'active' }));
    });

    it('disabling a deployment refuses its launches with a reason, listed under refused launches; enabling lets them in again', async () => {
      await platformAdmin.get(`/admin/platforms/${platformA}`);
      expectStatus(await platformAdmin.post(`/admin/platforms/${platformA}/deployments/status`, { deployment_id: stack.emu.deploymentId, status: 'disabled' }));
      const refused = await launch(stack, spec({ sub: 'late-learner', roles: [ROLE.learner] }));
      expect(refused.response.status).to.equal(400);
      expect(refused.response.body).to.include('launch_deployment_disabled').and.include('disabled for this deployment');
      // A refusal on the other platform, which platform A's admin must not see.
      const foreign = await launch(otherStack(), { ...spec({ sub: 'x', roles: [ROLE.learner] }), deploymentId: 'unregistered-dep' });
      expect(foreign.response.status).to.equal(400);

      const mine = await platformAdmin.get('/admin/refusals');
      expect(mine.status).to.equal(200);
      expect(mine.body).to.include('deployment_disabled').and.include(stack.emu.deploymentId);
      expect(mine.body).not.to.include('unregistered-dep');
      // The filter cannot widen a platform admin's view.
      expect((await platformAdmin.get(`/admin/refusals?platform=${platformB}`)).body).not.to.include('unregistered-dep');
      const all = await tool.get('/admin/refusals');
      expect(all.body).to.include('deployment_disabled').and.include('unregistered-dep');
      const filtered = await tool.get('/admin/refusals?reason=deployment_unknown');
      expect(filtered.body).to.include('unregistered-dep').and.not.include('<code>deployment_disabled</code>');
      const byPlatform = await tool.get(`/admin/refusals?platform=${platformA}`);
      expect(byPlatform.body).to.include('<code>deployment_disabled</code>').and.not.include('unregistered-dep');
      // Ids and a reason only: no token, no user.
      const rows = await stack.tool.container.db('launch_refusals').select('*');
      expect(JSON.stringify(rows)).not.to.include('late-learner').and.not.include('eyJ');

      expectStatus(await platformAdmin.post(`/admin/platforms/${platformA}/deployments/status`, { deployment_id: stack.emu.deploymentId, status: 'active' }));
      expect((await launch(stack, spec({ sub: 'late-learner', roles: [ROLE.learner] }))).response.status).to.equal(303);
    });

    it('a platform admin adds a deployment to its platform', async () => {
      await platformAdmin.get(`/admin/platforms/${platformA}`);
      expect((await platformAdmin.post(`/admin/platforms/${platformA}/deployments`, { deployment_id: '' })).status).to.equal(400);
      expectStatus(await platformAdmin.post(`/admin/platforms/${platformA}/deployments`, { deployment_id: 'second-dep' }));
      expect(await stack.tool.container.platforms.findDeployment(platformA, 'second-dep')).to.deep.include({ status: 'active' });
    });

    it('rotating the key publishes both in the JWKS; retiring the old one removes it', async () => {
      const before = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(before.keys).to.have.length(1);
      await tool.get('/admin/keys');
      expectStatus(await tool.post('/admin/keys/rotate'));
      const after = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(after.keys.map((k) => k.kid)).to.include(before.keys[0]!.kid).and.have.length(2);
      const page = await tool.get('/admin/keys');
      expect(page.body).to.include('published (verifies only)').and.include('active (signs)');
      // The active key cannot be retired.
      const active = (await stack.tool.container.keys.list()).find((k) => k.status === 'active')!;
      expect((await tool.post('/admin/keys/retire', { kid: active.kid })).status).to.equal(400);
      expectStatus(await tool.post('/admin/keys/retire', { kid: before.keys[0]!.kid }));
      const final = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(final.keys.map((k) => k.kid)).to.deep.equal([active.kid]);
    });

    it('adds an LRS for a platform (password never shown), shows its queue, and a retried dead letter reaches the LRS', async () => {
      await tool.get('/admin/lrs');
      const bad = await tool.post('/admin/lrs', { name: 'embedded', endpoint: 'ftp://x', username: 'a:b', password: 'zzz-secret' });
      expect(bad.status).to.equal(400);
      expect(bad.body).not.to.include('zzz-secret');
      expectStatus(await tool.post('/admin/lrs', { name: 'acme', endpoint: stub.endpoint, username: 'acme', password: 's3cret-Pa55', platform_id: platformA }));
      expectStatus(await tool.post('/admin/lrs', { name: 'everyone', endpoint: 'https://lrs.example.org/xapi/' }));
      const page = await tool.get('/admin/lrs');
      expect(page.body).to.include('acme').and.include('password set').and.not.include('s3cret-Pa55');
      const acme = (await stack.tool.container.lrsTargets.findByName('acme'))!;

      // The platform admin sees its own LRS, not the tool-wide ones.
      const mine = await platformAdmin.get('/admin/lrs');
      expect(mine.body).to.include('acme').and.not.include('everyone').and.not.include('>embedded');
      const everyone = (await stack.tool.container.lrsTargets.findByName('everyone'))!;
      await platformAdmin.get('/admin/lrs');
      expect((await platformAdmin.post(`/admin/lrs/${everyone.id}/status`, { status: 'disabled' })).status).to.equal(404);
      // Adding a target is the tool admin's: anyone can register an LMS and launch as its
      // Administrator, and a target is a URL the server POSTs to (SSRF).
      expect(mine.body).not.to.include('action="/admin/lrs"');
      expect((await platformAdmin.post('/admin/lrs', { name: 'internal', endpoint: 'http://127.0.0.1:5432/' })).status).to.equal(403);
      expect(await stack.tool.container.lrsTargets.findByName('internal')).to.equal(null);
      expect((await platformAdmin.get('/admin/dead-letters?lrs=embedded')).status).to.equal(404);

      // Routing picks up new targets within 5 s; then the LRS rejects the next launch's statement.
      await sleep(5_200);
      stub.failNext(1, { status: 400 });
      expect((await launch(stack, spec({ sub: 'dl-learner', roles: [ROLE.learner] }))).response.status).to.equal(303);
      const dead = await until('a dead letter', async () => (await stack.tool.container.outbox.deadLetters({ lrsId: acme.id }))[0]);
      const list = await platformAdmin.get(`/admin/dead-letters?lrs=${acme.id}`);
      expect(list.status).to.equal(200);
      expect(list.body).to.include(dead.statementId);
      const one = await platformAdmin.get(`/admin/dead-letters/${dead.id}`);
      expect(one.status).to.equal(200);
      // The statement is pretty-printed and escaped: the course title's <script> is text.
      expect(one.body).to.include('&lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>alert(1)');
      expect(one.body).to.include('&#34;verb&#34;: {');
      // The other platform's admin would not even see it exists.
      const otherAdmin = await joinCourse(otherStack(), { ...spec({ sub: 'b-admin', roles: [ROLE.admin] }) });
      expect((await otherAdmin.get(`/admin/dead-letters/${dead.id}`)).status).to.equal(404);
      expect((await otherAdmin.post(`/admin/dead-letters/${dead.id}/retry`)).status).to.equal(404);

      await platformAdmin.get(`/admin/dead-letters/${dead.id}`);
      expectStatus(await platformAdmin.post(`/admin/dead-letters/${dead.id}/retry`));
      await until('the retried statement at the LRS', async () => stub.get(dead.statementId));
      expect((await stack.tool.container.outbox.deadLetters({ lrsId: acme.id })).length).to.equal(0);

      // Retry all for a target, and the queue figures on the page.
      stub.failNext(1, { status: 400 });
      expect((await launch(stack, spec({ sub: 'dl-learner-2', roles: [ROLE.learner] }))).response.status).to.equal(303);
      const dead2 = await until('a second dead letter', async () => (await stack.tool.container.outbox.deadLetters({ lrsId: acme.id }))[0]);
      const lrsPage = await tool.get('/admin/lrs');
      expect(lrsPage.body).to.include(`/admin/dead-letters?lrs=${acme.id}`);
      await tool.get(`/admin/dead-letters?lrs=${acme.id}`);
      expectStatus(await tool.post(`/admin/lrs/${acme.id}/retry-dead`));
      await until('the statement retried with all', async () => stub.get(dead2.statementId));

      // Disable pauses a target; enable resumes it.
      expectStatus(await platformAdmin.post(`/admin/lrs/${acme.id}/status`, { status: 'disabled' }));
      expect((await stack.tool.container.lrsTargets.findByName('acme'))!.status).to.equal('disabled');
      expectStatus(await platformAdmin.post(`/admin/lrs/${acme.id}/status`, { status: 'active' }));
    });

    it('speaks the launch\'s language: a Spanish admin launch gets Spanish admin pages', async () => {
      const es = await joinCourse(stack, spec({ sub: 'es-admin', roles: [ROLE.admin], locale: 'es-ES' }));
      for (const [path, heading] of [['/admin/platforms', 'Plataformas'], ['/admin/lrs', 'Almacenes de registros de aprendizaje'], ['/admin/dead-letters', 'Cartas muertas'], ['/admin/refusals', 'Lanzamientos rechazados']] as const) {
        const page = await es.get(path);
        expect(page.body, path).to.include(`<h1>${heading}</h1>`).and.include('<html lang="es">');
      }
    });
  });
});
