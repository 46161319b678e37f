import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { ROLE, PlatformEmulator } from '../helpers/emulator/platform-emulator.js';
import { registrationControls, resetRegistration, type RegistrationControls } from '../helpers/emulator/registration.js';
import { freePort, launch, startTool, type Tool } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/test-db.js';
import { TestBrowser, type Page } from '../helpers/test-browser.js';

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const SCOPE = {
  lineitem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  result: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
};

function registerUrl(tool: Tool, params: Record<string, string>): string {
  return `${tool.publicUrl}/lti/register?${new URLSearchParams(params)}`;
}

async function register(tool: Tool, emu: PlatformEmulator, token: string | null = registrationControls(emu).token): Promise<Page> {
  const params: Record<string, string> = { openid_configuration: `${emu.url}/.well-known/openid-configuration` };
  if (token !== null) params.registration_token = token;
  return new TestBrowser().request(registerUrl(tool, params));
}

describe('Dynamic Registration (GET /lti/register)', () => {
  describe('a successful round trip', () => {
    let tool: Tool;
    let emu: PlatformEmulator;
    let ctl: RegistrationControls;
    let page: Page;

    before(async () => {
      tool = await startTool();
      emu = await PlatformEmulator.start({ toolUrl: tool.publicUrl });
      ctl = registrationControls(emu);
      page = await register(tool, emu);
    });
    after(async () => {
      await emu.close();
      await tool.close();
    });

    it('answers with a page that tells the LMS window to close (§3.6), in a nonce script', () => {
      expect(page.status, page.body).to.equal(200);
      expect(page.body).to.contain("postMessage({ subject: 'org.imsglobal.lti.close' }, '*')");
      const nonce = /script-src[^;]*'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      expect(nonce).to.be.a('string');
      expect(page.body).to.contain(`<script nonce="${nonce}">`);
      expect(page.body).to.match(/\n\s*close\(\);/);
      expect(page.body).to.contain(ctl.issueClientId);
      expect(page.body).not.to.contain('Site administration');
    });

    it('lets the registering LMS frame the page, and keeps the token out of it', () => {
      expect(page.headers.get('content-security-policy')).to.match(new RegExp(`frame-ancestors [^;]*${emu.url.replace(/[.]/g, '\\.')}`));
      expect(page.headers.get('cache-control')).to.equal('no-store');
      expect(page.body).not.to.contain(ctl.token);
    });

    it('sent the registration token as a Bearer on both requests', () => {
      expect(ctl.configRequests.map((r) => r.authorization)).to.deep.equal([`Bearer ${ctl.token}`]);
      expect(ctl.registrations).to.have.length(1);
      expect(ctl.registrations[0]!.authorization).to.equal(`Bearer ${ctl.token}`);
      expect(ctl.registrations[0]!.contentType).to.match(/^application\/json/);
      expect(ctl.registrations[0]!.problems).to.deep.equal([]);
    });

    it('registered with the body of §3.5.2', () => {
      const body = ctl.registrations[0]!.body;
      const u = tool.publicUrl;
      expect(body).to.deep.include({
        application_type: 'web',
        response_types: ['id_token'],
        grant_types: ['implicit', 'client_credentials'],
        initiate_login_uri: `${u}/lti/login`,
        redirect_uris: [`${u}/lti/launch`],
        client_name: 'Threadline',
        jwks_uri: `${u}/.well-known/jwks.json`,
        logo_uri: `${u}/public/logo.svg`,
        token_endpoint_auth_method: 'private_key_jwt',
      });
      expect(String(body.scope).split(' ')).to.have.members([SCOPE.lineitem, SCOPE.result, SCOPE.score, SCOPE.nrps]);
      const tc = body[TOOL_CONFIG] as Record<string, unknown>;
      expect(tc.domain).to.equal(new URL(u).host);
      expect(tc.target_link_uri).to.equal(`${u}/lti/launch`);
      expect(tc.claims).to.have.members(['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'locale']);
      expect(tc.messages).to.deep.equal([
        { type: 'LtiResourceLinkRequest', target_link_uri: `${u}/lti/launch`, label: 'Threadline' },
        { type: 'LtiDeepLinkingRequest', target_link_uri: `${u}/lti/launch`, label: 'Threadline', icon_uri: `${u}/public/logo.svg`, placements: ['ContentArea'] },
      ]);
    });

    it('stored the platform and its deployment', async () => {
      const p = await tool.container.platforms.findByIssuerAndClient(emu.issuer, ctl.issueClientId);
      expect(p).to.deep.include({
        issuer: emu.issuer,
        clientId: ctl.issueClientId,
        productFamily: 'emulator',
        authEndpoint: emu.authEndpoint,
        tokenEndpoint: emu.tokenEndpoint,
        jwksUri: emu.jwksUri,
        tokenAudience: null,
        source: 'dynamic',
        status: 'active',
      });
      const deps = await tool.container.platforms.listDeployments(p!.id);
      expect(deps.map((d) => d.deploymentId)).to.deep.equal(['dyn-deployment-1']);
    });

    it('then launches with the client id the platform issued', async () => {
      emu.clientId = ctl.issueClientId;
      emu.deploymentId = ctl.issueDeploymentId!;
      const r = await launch({ tool, emu, close: async () => {} }, { sub: 'teacher-1', name: 'Ada Teacher', roles: [ROLE.instructor] });
      expect(r.response.status, r.response.body).to.equal(303);
      expect(r.sessionToken).to.be.a('string');
    });

    it('re-running the same registration keeps one platform and is harmless', async () => {
      const again = await register(tool, emu);
      expect(again.status, again.body).to.equal(200);
      expect(await tool.container.platforms.list()).to.have.length(1);
    });
  });

  describe('platform-specific answers', () => {
    let tool: Tool;
    let emu: PlatformEmulator;
    before(async () => {
      tool = await startTool();
      emu = await PlatformEmulator.start({ toolUrl: tool.publicUrl });
    });
    after(async () => {
      await emu.close();
      await tool.close();
    });

    it('tells a Moodle admin to activate the Pending tool, and does not close on its own', async () => {
      const ctl = resetRegistration(emu);
      ctl.productFamily = 'moodle';
      const page = await register(tool, emu);
      expect(page.status, page.body).to.equal(200);
      expect(page.body).to.contain('Site administration');
      expect(page.body).to.contain('Pending');
      expect(page.body).to.contain('org.imsglobal.lti.close');
      expect(page.body).not.to.match(/\n\s*close\(\);/);
      const p = await tool.container.platforms.findByIssuerAndClient(emu.issuer, ctl.issueClientId);
      expect(p?.productFamily).to.equal('moodle');
      expect(p?.name).to.match(/^Moodle \(/);
    });

    it('asks only for the scopes and messages the platform supports, and uses its authorization_server', async () => {
      const ctl = resetRegistration(emu);
      ctl.configOverrides = {
        scopes_supported: ['openid', SCOPE.nrps],
        authorization_server: `${emu.url}/oauth2/token-audience`,
        [PLATFORM_CONFIG]: { product_family_code: 'emulator', messages_supported: [{ type: 'LtiResourceLinkRequest' }] },
      };
      ctl.issueDeploymentId = null;
      const page = await register(tool, emu);
      expect(page.status, page.body).to.equal(200);
      const body = ctl.registrations[0]!.body;
      expect(body.scope).to.equal(SCOPE.nrps);
      expect((body[TOOL_CONFIG] as { messages: Array<{ type: string }> }).messages.map((m) => m.type)).to.deep.equal(['LtiResourceLinkRequest']);
      expect(page.body).to.contain('did not say which deployment');
      const p = await tool.container.platforms.findByIssuerAndClient(emu.issuer, ctl.issueClientId);
      expect(p?.tokenAudience).to.equal(`${emu.url}/oauth2/token-audience`);
      expect(await tool.container.platforms.listDeployments(p!.id)).to.deep.equal([]);
    });
  });

  describe('failures show the admin what went wrong and store nothing', () => {
    let tool: Tool;
    let emu: PlatformEmulator;
    let ctl: RegistrationControls;
    before(async () => {
      tool = await startTool();
      emu = await PlatformEmulator.start({ toolUrl: tool.publicUrl });
    });
    beforeEach(() => {
      ctl = resetRegistration(emu);
    });
    afterEach(async () => {
      expect(await tool.container.platforms.list()).to.deep.equal([]);
    });
    after(async () => {
      await emu.close();
      await tool.close();
    });

    const expectRefusal = (page: Page, status: number, code: string, ...mentions: string[]): void => {
      expect(page.status, page.body).to.equal(status);
      expect(page.body).to.contain('Threadline could not be registered');
      expect(page.body).to.contain(code);
      for (const m of mentions) expect(page.body).to.contain(m);
      expect(page.body).to.contain('org.imsglobal.lti.close');
    };

    it('without openid_configuration (someone opened the URL directly)', async () => {
      const page = await new TestBrowser().request(`${tool.publicUrl}/lti/register`);
      expectRefusal(page, 400, 'registration_params_invalid', 'openid_configuration');
    });

    it('with an openid_configuration that is plain http on another host', async () => {
      const page = await new TestBrowser().request(registerUrl(tool, { openid_configuration: 'http://lms.example.org/.well-known/openid-configuration' }));
      expectRefusal(page, 400, 'registration_params_invalid', 'must use https');
      expect(page.headers.get('content-security-policy')).not.to.contain('lms.example.org');
    });

    it('when the issuer does not match the configuration URL (§3.5.1)', async () => {
      ctl.configOverrides = { issuer: 'https://lms.example.org' };
      expectRefusal(await register(tool, emu), 400, 'issuer_mismatch', 'https://lms.example.org', emu.url);
      expect(ctl.registrations).to.have.length(0);
    });

    it('when required configuration fields are missing or unusable', async () => {
      ctl.configOverrides = {
        jwks_uri: undefined,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        id_token_signing_alg_values_supported: ['HS256'],
        [PLATFORM_CONFIG]: undefined,
      };
      const page = await register(tool, emu);
      expectRefusal(page, 400, 'openid_configuration_invalid', 'jwks_uri is missing', 'must include private_key_jwt', 'must include RS256', 'lti-platform-configuration is missing');
      expect(ctl.registrations).to.have.length(0);
    });

    it('when the platform endpoints are not https', async () => {
      ctl.configOverrides = { authorization_endpoint: 'http://lms.example.org/auth' };
      expectRefusal(await register(tool, emu), 400, 'openid_configuration_invalid', 'authorization_endpoint must use https');
    });

    it('with a wrong registration token', async () => {
      const page = await register(tool, emu, 'not-the-token');
      expectRefusal(page, 400, 'registration_refused', 'HTTP 401', 'invalid_token', 'registration token');
    });

    it('with no registration token', async () => {
      const page = await register(tool, emu, null);
      expectRefusal(page, 400, 'registration_refused', 'HTTP 401');
      expect(ctl.registrations[0]!.authorization).to.equal(undefined);
      expect(ctl.configRequests[0]!.authorization).to.equal(undefined);
    });

    it('when the platform refuses the redirect URI', async () => {
      ctl.failWith = { status: 400, body: { error: 'invalid_redirect_uri', error_description: 'redirect_uris must be on the tool domain' } };
      expectRefusal(await register(tool, emu), 400, 'registration_refused', 'invalid_redirect_uri', 'redirect_uris must be on the tool domain');
    });

    it("when the platform answers in Canvas's error format", async () => {
      ctl.failWith = { status: 422, body: { errors: [{ field: 'scopes', message: 'cannot contain openid' }] } };
      expectRefusal(await register(tool, emu), 400, 'registration_refused', 'HTTP 422', 'scopes cannot contain openid');
    });

    it('when the registration answer has no client_id', async () => {
      ctl.failWith = { status: 200, body: { application_type: 'web' } };
      expectRefusal(await register(tool, emu), 502, 'registration_answer_invalid', 'client_id');
    });

    it('when the configuration URL cannot be reached', async () => {
      const port = await freePort();
      const page = await new TestBrowser().request(registerUrl(tool, { openid_configuration: `http://127.0.0.1:${port}/.well-known/openid-configuration`, registration_token: 'x' }));
      expectRefusal(page, 502, 'upstream_unreachable', `127.0.0.1:${port}`);
    });

    it('when the configuration URL answers 404', async () => {
      const page = await new TestBrowser().request(registerUrl(tool, { openid_configuration: `${emu.url}/no-such-configuration`, registration_token: 'x' }));
      expectRefusal(page, 400, 'openid_configuration_refused', 'HTTP 404');
    });

    it('when the configuration is not JSON', async () => {
      const page = await new TestBrowser().request(registerUrl(tool, { openid_configuration: `${tool.publicUrl}/`, registration_token: 'x' }));
      expectRefusal(page, 502, 'upstream_bad_json', 'not valid JSON');
    });

    it('never replaces the endpoints of a platform registered under the same issuer and client id', async () => {
      const c = tool.container.platforms;
      const manual = await c.upsert(
        { issuer: emu.issuer, clientId: ctl.issueClientId, name: 'Trusted', productFamily: null, authEndpoint: emu.authEndpoint, tokenEndpoint: emu.tokenEndpoint, jwksUri: 'https://lms.example.org/jwks', tokenAudience: null, source: 'manual' },
        Date.now(),
      );
      try {
        expectRefusal(await register(tool, emu), 409, 'platform_conflict', 'already registered');
        expect((await c.get(manual.id))?.jwksUri).to.equal('https://lms.example.org/jwks');
      } finally {
        await c.remove(manual.id);
      }
    });
  });

  it('never logs the registration token, even at trace level and without redaction', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const db = await createTestDatabase();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const running = await startServer(loadConfig({ PORT: String(port), PUBLIC_URL: publicUrl, DATABASE_URL: db.url }), { log });
    const tool: Tool = { ...running, publicUrl, db };
    const emu = await PlatformEmulator.start({ toolUrl: publicUrl });
    try {
      const ctl = registrationControls(emu);
      const failed = await register(tool, emu, `${ctl.token}-wrong`);
      expect(failed.status).to.equal(400);
      const ok = await register(tool, emu);
      expect(ok.status, ok.body).to.equal(200);
      const all = lines.join('');
      expect(all).to.contain('dynamic registration ok').and.contain('dynamic registration failed');
      expect(all).not.to.contain(ctl.token);
    } finally {
      await emu.close();
      await running.close();
      await db.drop();
    }
  });
});
