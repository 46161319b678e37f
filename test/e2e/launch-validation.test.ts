import crypto from 'node:crypto';
import { expect } from 'chai';
import { SignJWT, base64url, type JWTPayload } from 'jose';
import { PlatformEmulator, ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type LaunchResult, type Stack } from '../helpers/stack.js';
import { TestBrowser, parseForm } from '../helpers/test-browser.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

/**
 * One test per launch validation rule (Security Framework §5.1.3, LTI Core §5.3), each with a
 * known-bad token, plus the good cases that must still pass (empty / unknown / many roles).
 */
describe('launch validation', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.close());

  async function counts(): Promise<Record<string, number>> {
    const db = stack.tool.container.db;
    const out: Record<string, number> = {};
    for (const t of ['sessions', 'users', 'contexts', 'resource_links', 'enrolments']) {
      const [row] = await db(t).count<{ n: number | string }[]>({ n: '*' });
      out[t] = Number(row!.n);
    }
    return out;
  }

  /** Launch with claims rewritten (and re-signed) by `edit`; asserts the refusal and that nothing was stored. */
  async function expectRefused(
    reason: string,
    build: (nonce: string, spec: LaunchSpec) => Promise<string> | string,
    spec: LaunchSpec = {},
    status = 400,
  ): Promise<LaunchResult> {
    const before = await counts();
    const r = await launch(stack, spec, { mutate: async (f, nonce) => ({ ...f, id_token: await build(nonce, spec) }) });
    expect(r.response.status, r.response.body.slice(0, 400)).to.equal(status);
    expect(r.response.body).to.contain(`launch_${reason}`);
    expect(r.sessionToken).to.equal(undefined);
    expect(await counts()).to.deep.equal(before);
    return r;
  }

  const resign = (edit: (c: Record<string, unknown>) => void) => async (nonce: string, spec: LaunchSpec) => {
    const claims = stack.emu.claimsFor(spec, nonce) as Record<string, unknown>;
    edit(claims);
    return stack.emu.sign(claims as JWTPayload);
  };

  it('accepts an honest launch and creates a session', async () => {
    const r = await launch(stack, { sub: 'ok-1' });
    expect(r.response.status).to.equal(303);
    expect(r.sessionToken).to.match(/^[\w-]{40,}$/);
  });

  describe('state and nonce (Security Framework §5.1.1.3, §5.1.3 step 9)', () => {
    it('refuses a form without state', async () => {
      const r = await launch(stack, {}, { mutate: (f) => ({ id_token: f.id_token! }) });
      expect(r.response.status).to.equal(401);
      expect(r.response.body).to.contain('launch_state_missing');
    });

    it('refuses a state Threadline never issued', async () => {
      const r = await launch(stack, {}, { mutate: (f) => ({ ...f, state: crypto.randomBytes(24).toString('base64url') }) });
      expect(r.response.status).to.equal(401);
      expect(r.response.body).to.contain('launch_state_unknown');
    });

    it('refuses a state that is not bound to this browser (cookie missing) and offers a new window', async () => {
      const browser = new TestBrowser();
      browser.acceptCookies = false;
      const before = await counts();
      const r = await launch(stack, {}, { browser });
      expect(r.response.status).to.equal(401);
      expect(r.response.body).to.contain('launch_state_not_bound');
      expect(r.response.body).to.contain('Open Threadline in a new window');
      expect(r.response.body).to.match(/href="\/lti\/login\/restart\?state=[\w-]+"/);
      expect(await counts()).to.deep.equal(before);
    });

    it('refuses a state bound to another browser (attacker replays their own form in a victim browser)', async () => {
      const attacker = await launch(stack, {}, { mutate: (f) => f });
      expect(attacker.response.status).to.equal(303);
      // A fresh login by the attacker, whose form is then submitted from the victim's browser.
      const victim = new TestBrowser();
      const r = await launch(stack, {}, {
        mutate: async (f) => {
          const res = await victim.request(`${stack.tool.publicUrl}/lti/launch`, { form: f });
          expect(res.status).to.equal(401);
          expect(res.body).to.contain('launch_state_not_bound');
          return f;
        },
      });
      // The form was still usable once, in the browser that started the login.
      expect(r.response.status).to.equal(303);
    });

    it('refuses a replayed form (nonce used once)', async () => {
      let form: Record<string, string> = {};
      const first = await launch(stack, {}, { mutate: (f) => (form = f) });
      expect(first.response.status).to.equal(303);
      const before = await counts();
      const again = await first.browser.request(`${stack.tool.publicUrl}/lti/launch`, { form });
      expect(again.status).to.equal(401);
      expect(again.body).to.contain('launch_replayed');
      expect(await counts()).to.deep.equal(before);
    });

    it('lets only one of two racing copies of a form through', async () => {
      let form: Record<string, string> = {};
      const browser = new TestBrowser();
      const first = await launch(stack, {}, { browser, mutate: (f) => (form = f) });
      expect(first.response.status).to.equal(303);
      // Start a second login in the same browser and fire its form twice at once.
      const second = await launch(stack, {}, {
        browser,
        mutate: async (f) => {
          const [a, b] = await Promise.all([browser.request(`${stack.tool.publicUrl}/lti/launch`, { form: f }), browser.request(`${stack.tool.publicUrl}/lti/launch`, { form: f })]);
          expect([a.status, b.status].sort()).to.deep.equal([303, 401]);
          return f;
        },
      });
      expect(second.response.status).to.equal(401);
      expect(form.state).to.be.a('string');
    });

    it('refuses an id_token whose nonce is not the one issued', async () => {
      await expectRefused('nonce_mismatch', resign((c) => (c.nonce = 'some-other-nonce')));
    });
  });

  describe('JWT envelope (Security Framework §5.1.3)', () => {
    it('refuses a token that is not a three-part JWT', async () => {
      await expectRefused('jwt_malformed', () => 'not-a-jwt');
      await expectRefused('jwt_malformed', () => 'a.b');
    });

    it('refuses alg "none"', async () => {
      await expectRefused('alg_not_allowed', (nonce, spec) => {
        const h = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: stack.emu.key.kid }));
        const p = base64url.encode(JSON.stringify(stack.emu.claimsFor(spec, nonce)));
        return `${h}.${p}.`;
      });
    });

    it('refuses HS256 (public key used as an HMAC secret)', async () => {
      await expectRefused('alg_not_allowed', async (nonce, spec) => {
        const secret = new TextEncoder().encode(JSON.stringify(stack.emu.key.publicJwk));
        return new SignJWT(stack.emu.claimsFor(spec, nonce)).setProtectedHeader({ alg: 'HS256', kid: stack.emu.key.kid }).sign(secret);
      });
    });

    it('refuses a header without kid', async () => {
      await expectRefused('kid_missing', async (nonce, spec) => stack.emu.sign(stack.emu.claimsFor(spec, nonce), { kid: null }));
    });

    it('refuses a kid the platform does not publish', async () => {
      const stranger = await PlatformEmulator.newKey();
      await expectRefused('kid_unknown', async (nonce, spec) => stack.emu.sign(stack.emu.claimsFor(spec, nonce), { key: stranger }));
    });

    it('refuses a signature by another key under a published kid', async () => {
      const stranger = await PlatformEmulator.newKey();
      await expectRefused('signature_invalid', async (nonce, spec) => stack.emu.sign(stack.emu.claimsFor(spec, nonce), { key: stranger, kid: stack.emu.key.kid }));
    });

    it('refuses a token whose payload was altered after signing', async () => {
      await expectRefused('signature_invalid', async (nonce, spec) => {
        const [h, , s] = (await stack.emu.sign(stack.emu.claimsFor(spec, nonce))).split('.');
        const forged = { ...stack.emu.claimsFor(spec, nonce), [`${LTI}roles`]: [ROLE.admin] };
        return `${h}.${base64url.encode(JSON.stringify(forged))}.${s}`;
      });
    });

    it('refetches the platform JWKS once when the platform rotates its key, and caches it otherwise', async () => {
      await launch(stack, {});
      const fetchesBefore = stack.emu.jwksFetches;
      const cached = await launch(stack, {});
      expect(cached.response.status).to.equal(303);
      expect(stack.emu.jwksFetches).to.equal(fetchesBefore);
      await stack.emu.rotateKey(true);
      const r = await launch(stack, {});
      expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
      expect(stack.emu.jwksFetches).to.equal(fetchesBefore + 1);
    });

    it('refuses a different issuer', async () => {
      await expectRefused('iss_mismatch', resign((c) => (c.iss = 'https://evil.example')));
    });

    it('refuses an audience without our client id', async () => {
      await expectRefused('aud_mismatch', resign((c) => (c.aud = 'another-tool')));
    });

    it('requires azp when aud has several values', async () => {
      await expectRefused('azp_missing', resign((c) => {
        c.aud = [stack.emu.clientId, 'another-tool'];
        delete c.azp;
      }));
    });

    it('refuses an azp that is not our client id', async () => {
      await expectRefused('azp_mismatch', resign((c) => {
        c.aud = [stack.emu.clientId, 'another-tool'];
        c.azp = 'another-tool';
      }));
    });

    it('accepts several audiences with the right azp', async () => {
      const r = await launch(stack, { claims: { aud: [stack.emu.clientId, 'another-tool'], azp: stack.emu.clientId } });
      expect(r.response.status).to.equal(303);
    });

    it('refuses an expired token', async () => {
      await expectRefused('token_expired', resign((c) => (c.exp = Math.floor(Date.now() / 1000) - 600)));
    });

    it('refuses a token without exp', async () => {
      await expectRefused('token_expired', resign((c) => delete c.exp));
    });

    it('accepts a small clock skew', async () => {
      const r = await launch(stack, { claims: { iat: Math.floor(Date.now() / 1000) + 20, exp: Math.floor(Date.now() / 1000) + 300 } });
      expect(r.response.status).to.equal(303);
    });

    it('refuses a token issued in the future', async () => {
      await expectRefused('iat_invalid', resign((c) => (c.iat = Math.floor(Date.now() / 1000) + 3600)));
    });

    it('refuses a token issued long ago', async () => {
      await expectRefused('iat_invalid', resign((c) => (c.iat = Math.floor(Date.now() / 1000) - 3600)));
    });
  });

  describe('LTI claims (LTI Core §5.3)', () => {
    it('refuses a launch without deployment_id', async () => {
      await expectRefused('deployment_missing', resign((c) => delete c[`${LTI}deployment_id`]));
    });

    it('refuses an unknown deployment and tells the admin how to add it', async () => {
      const r = await expectRefused('deployment_unknown', resign((c) => (c[`${LTI}deployment_id`] = 'dep-unknown')));
      expect(r.response.body).to.contain('npm run platform -- deployment add');
      expect(r.response.body).to.contain('dep-unknown');
    });

    it('refuses an unsupported message type', async () => {
      await expectRefused('message_type_unsupported', resign((c) => (c[`${LTI}message_type`] = 'LtiSubmissionReviewRequest')));
    });

    it('refuses a version other than 1.3.0', async () => {
      await expectRefused('version_invalid', resign((c) => (c[`${LTI}version`] = '1.1')));
    });

    it('refuses a launch without the roles claim', async () => {
      await expectRefused('roles_missing', resign((c) => delete c[`${LTI}roles`]));
    });

    it('refuses a resource-link launch without resource_link.id', async () => {
      await expectRefused('resource_link_missing', resign((c) => (c[`${LTI}resource_link`] = { title: 'no id' })));
    });

    it('refuses a target_link_uri that is not ours', async () => {
      await expectRefused('target_link_uri_foreign', resign((c) => (c[`${LTI}target_link_uri`] = 'https://other-tool.example/launch')));
    });

    for (const [label, roles, primary] of [
      ['empty roles', [], 'learner'],
      ['unknown roles', ['http://example.com/roles#Wizard'], 'learner'],
      ['many roles', [ROLE.learner, ROLE.mentor, ROLE.ta, 'urn:lti:role:ims/lis/Learner'], 'ta'],
      ['short role names', ['Instructor'], 'instructor'],
      ['institution administrator', [ROLE.admin], 'admin'],
    ] as const) {
      it(`accepts ${label}`, async () => {
        const r = await launch(stack, { sub: `roles-${label}`, roles: [...roles] });
        expect(r.response.status).to.equal(303);
        const s = await stack.tool.container.sessions.get(crypto.createHash('sha256').update(r.sessionToken!).digest('hex'));
        expect(s!.launch.roles.primary).to.equal(primary);
        expect(s!.launch.roles.raw).to.deep.equal(roles);
      });
    }

    it('accepts an anonymous launch (no sub) and explains what is missing', async () => {
      const r = await launch(stack, { sub: null });
      expect(r.response.status).to.equal(303);
      const page = await r.browser.get(`${stack.tool.publicUrl}${r.response.headers.get('location')}`);
      expect(page.body).to.contain('needs to know who you are');
    });
  });

  describe('login initiation (Security Framework §5.1.1)', () => {
    it('accepts POST (Moodle) and redirects with GET to the auth endpoint with every parameter', async () => {
      const browser = new TestBrowser();
      const res = await browser.request(`${stack.tool.publicUrl}/lti/login`, {
        form: { iss: stack.emu.issuer, login_hint: 'hint-1', target_link_uri: `${stack.tool.publicUrl}/lti/launch`, client_id: stack.emu.clientId, lti_message_hint: 'mh-1' },
      });
      expect(res.status).to.equal(302);
      const auth = new URL(res.headers.get('location')!);
      expect(`${auth.origin}${auth.pathname}`).to.equal(stack.emu.authEndpoint);
      const p = Object.fromEntries(auth.searchParams);
      expect(p).to.include({ scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: stack.emu.clientId, redirect_uri: `${stack.tool.publicUrl}/lti/launch`, login_hint: 'hint-1', lti_message_hint: 'mh-1' });
      expect(p.state).to.have.length.greaterThan(20);
      expect(p.nonce).to.have.length.greaterThan(20);
      const cookie = res.headers.getSetCookie().join('\n');
      expect(cookie).to.match(/tl_state_[\w-]+=[\w-]+; Path=\/lti; Max-Age=600; HttpOnly; Secure; SameSite=None; Partitioned/);
    });

    it('issues a fresh state and nonce on every login', async () => {
      const a = await launch(stack, {});
      const b = await launch(stack, {});
      expect(a.state).not.to.equal(b.state);
      expect(a.nonce).not.to.equal(b.nonce);
    });

    it('refuses an unknown issuer and an unknown client id', async () => {
      const browser = new TestBrowser();
      const target = `${stack.tool.publicUrl}/lti/launch`;
      const unknownIss = await browser.request(`${stack.tool.publicUrl}/lti/login?${new URLSearchParams({ iss: 'https://unknown.example', login_hint: 'x', target_link_uri: target })}`);
      expect(unknownIss.status).to.equal(400);
      expect(unknownIss.body).to.contain('launch_platform_unknown');
      const unknownClient = await browser.request(`${stack.tool.publicUrl}/lti/login?${new URLSearchParams({ iss: stack.emu.issuer, login_hint: 'x', target_link_uri: target, client_id: 'nope' })}`);
      expect(unknownClient.status).to.equal(400);
      expect(unknownClient.body).to.contain('launch_platform_unknown');
      expect(browser.cookies.size).to.equal(0);
    });

    it('refuses a login missing required parameters or aimed at another tool', async () => {
      const browser = new TestBrowser();
      const missing = await browser.request(`${stack.tool.publicUrl}/lti/login?iss=${encodeURIComponent(stack.emu.issuer)}`);
      expect(missing.status).to.equal(400);
      expect(missing.body).to.contain('login_hint');
      const foreign = await browser.request(`${stack.tool.publicUrl}/lti/login?${new URLSearchParams({ iss: stack.emu.issuer, login_hint: 'x', target_link_uri: 'https://evil.example/launch', client_id: stack.emu.clientId })}`);
      expect(foreign.status).to.equal(400);
      expect(foreign.body).to.contain('launch_target_link_uri_foreign');
    });
  });

  describe('platform storage (LTI Client Side postMessages) when cookies are blocked', () => {
    async function storageLogin(browser: TestBrowser): Promise<{ authUrl: string; binding: string; key: string }> {
      const login = {
        iss: stack.emu.issuer,
        login_hint: stack.emu.prepare({}),
        target_link_uri: `${stack.tool.publicUrl}/lti/launch`,
        client_id: stack.emu.clientId,
        lti_storage_target: '_parent',
      };
      const page = await browser.request(`${stack.tool.publicUrl}/lti/login?${new URLSearchParams(login)}`);
      expect(page.status).to.equal(200);
      const cfg = JSON.parse(/<script[^>]*id="lti-storage"[^>]*>([\s\S]*?)<\/script>/.exec(page.body)![1]!) as { next: string; value: string; key: string; origin: string };
      expect(cfg.origin).to.equal(new URL(stack.emu.authEndpoint).origin);
      return { authUrl: cfg.next, binding: cfg.value, key: cfg.key };
    }

    it('puts the binding in platform storage, reads it back at launch, and launches without cookies', async () => {
      const browser = new TestBrowser();
      browser.acceptCookies = false;
      const { authUrl, binding, key } = await storageLogin(browser);
      const auth = await browser.request(authUrl);
      const form = parseForm(auth.body);
      const check = await browser.request(form.action, { form: form.fields });
      expect(check.status).to.equal(200);
      expect(check.body).to.contain('lti-storage');
      expect(check.body).to.contain(key);
      const repost = parseForm(check.body, 'launch');
      const done = await browser.request(`${stack.tool.publicUrl}${repost.action}`, { form: { ...repost.fields, storage_binding: binding } });
      expect(done.status, done.body.slice(0, 300)).to.equal(303);
      expect(done.headers.get('location')).to.match(/^\/app\?session=/);
    });

    it('refuses a wrong value read back from storage', async () => {
      const browser = new TestBrowser();
      browser.acceptCookies = false;
      const { authUrl } = await storageLogin(browser);
      const form = parseForm((await browser.request(authUrl)).body);
      const check = parseForm((await browser.request(form.action, { form: form.fields })).body, 'launch');
      const done = await browser.request(`${stack.tool.publicUrl}${check.action}`, { form: { ...check.fields, storage_binding: 'forged' } });
      expect(done.status).to.equal(401);
      expect(done.body).to.contain('launch_state_not_bound');
    });
  });
});
