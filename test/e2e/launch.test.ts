import { expect } from 'chai';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import { TestBrowser } from '../helpers/test-browser.js';

const r0 = (): TestBrowser => new TestBrowser();

describe('launch through the platform emulator', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.close());

  it('logs in, launches and lands an instructor on the setup page', async () => {
    const r = await launch(stack, { sub: 'teacher-1', name: 'Ada Teacher', roles: [ROLE.instructor] });
    expect(r.response.status, r.response.body).to.equal(303);
    expect(r.sessionToken).to.be.a('string');
    const page = await r.browser.get(`${stack.tool.publicUrl}${r.response.headers.get('location')}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.contain('Set up this Threadline link');
  });

  it('serves launched pages so the session token stays private and only the platform may frame them', async () => {
    const r = await launch(stack, { sub: 'learner-h', roles: [ROLE.learner] });
    const page = await r.browser.get(`${stack.tool.publicUrl}${r.response.headers.get('location')}`);
    expect(page.headers.get('cache-control')).to.equal('no-store');
    expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(page.headers.get('x-frame-options')).to.equal(null);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).to.match(new RegExp(`frame-ancestors 'self' [^;]*${stack.emu.url.replace(/[.]/g, '\\.')}`));
    expect(csp).to.match(/script-src 'self' 'nonce-[^']+'/);
  });

  it('refuses pages without a session, with an expired one, or a forged token', async () => {
    const browser = r0();
    const none = await browser.get(`${stack.tool.publicUrl}/app`);
    expect(none.status).to.equal(401);
    expect(none.body).to.contain('session_missing');
    const forged = await browser.get(`${stack.tool.publicUrl}/app?session=forged-token`);
    expect(forged.status).to.equal(401);
    expect(forged.body).to.contain('session_expired');
  });
});
