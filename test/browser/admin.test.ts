import { expect } from 'chai';
import type { Browser, BrowserContext } from 'playwright-core';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { joinCourse } from '../helpers/participant.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** The admin pages in Chromium: signed in with a token by keyboard, axe-clean and no sideways scrolling at 320 px. */
describe('browser: admin area', function () {
  this.timeout(300_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let platformId: string;
  let deadId: string;
  let adminToken: string;
  let launchToken: string;

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const c = stack.tool.container;
    platformId = (await c.platforms.findByIssuerAndClient(stack.emu.issuer, stack.emu.clientId))!.id;
    adminToken = (await c.adminAuth.issue('browser', 3_600_000)).token;
    // Something on every page: a refused launch, a dead letter with a long, hostile statement, a second key.
    await launch(stack, { deploymentId: 'an-unregistered-deployment-with-a-rather-long-identifier-0123456789', resourceLinkId: 'r' });
    await c.lrsTargets.add({ name: 'institution-lrs-with-a-long-name', endpoint: 'https://lrs.example.org/a/very/long/path/to/the/xapi/endpoint/', username: 'threadline', password: 'pw', platformId }, Date.now());
    const statement = { id: '0b6c3a52-1d5e-4c1b-9d1e-5b1f0c6f0a01', actor: { objectType: 'Agent', account: { homePage: base, name: 'x' } }, verb: { id: 'http://adlnet.gov/expapi/verbs/commented' }, object: { id: `${base}/threads/1`, definition: { name: { en: '<img src=x onerror=alert(1)> ' + 'averyveryverylongwordwithoutanyspaces'.repeat(4) } } }, timestamp: new Date().toISOString() };
    await c.outbox.enqueue(c.db, [statement as never]);
    deadId = ((await c.db('xapi_outbox').first()) as { id: string }).id;
    await c.outbox.deadLetter(deadId, 'HTTP 400: {"error":true,"message":"Invalid statement: averyveryverylongwordwithoutanyspacesaveryveryverylongwordwithoutanyspaces"}');
    await c.keys.rotate();
    launchToken = (await joinCourse(stack, { sub: 'browser-admin', roles: [ROLE.admin], resourceLinkId: 'r' })).token;
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signIn(context: BrowserContext): Promise<void> {
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    await page.waitForURL(/\/admin\/login$/);
    // Keyboard only: the token field takes the first Tab after the skip link.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).to.equal('token');
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/platforms$/);
    await page.close();
  }

  const pages = () => [
    ['platforms', '/admin/platforms'],
    ['platform', `/admin/platforms/${platformId}`],
    ['keys', '/admin/keys'],
    ['lrs', '/admin/lrs'],
    ['dead-letters', '/admin/dead-letters'],
    ['dead-letter', `/admin/dead-letters/${deadId}`],
    ['refusals', '/admin/refusals'],
  ];

  for (const width of [1000, 320]) {
    it(`every admin page passes axe and fits the screen at ${width} px (token session)`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      await signIn(context);
      for (const [name, path] of pages()) {
        const page = await context.newPage();
        const res = await page.goto(`${base}${path}`);
        expect(res?.status(), name).to.equal(200);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `admin-${name}-${width}px`);
        await page.close();
      }
      // A form sent back with errors is accessible too.
      const page = await context.newPage();
      await page.goto(`${base}/admin/lrs`);
      await page.getByLabel('Name', { exact: true }).fill('embedded');
      await page.getByLabel('Endpoint').fill('ftp://nowhere');
      await page.getByRole('button', { name: 'Add LRS' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByLabel('Endpoint').getAttribute('aria-invalid')).to.equal('true');
      expect(await axeSerious(page), `lrs errors at ${width}px`).to.deep.equal([]);
      // The hostile statement is text, not markup.
      await page.goto(`${base}/admin/dead-letters/${deadId}`);
      expect(await page.locator('main img').count()).to.equal(0);
      await context.close();
    });
  }

  it('the sign-in page and a platform admin\'s pages (in the launch session) pass axe at 320 px', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    expect(await axeSerious(page), 'login').to.deep.equal([]);
    for (const path of [`/admin/platforms/${platformId}`, '/admin/lrs', '/admin/refusals']) {
      await page.goto(`${base}${path}?session=${encodeURIComponent(launchToken)}`);
      expect(await page.getByRole('heading', { level: 1 }).count(), path).to.equal(1);
      expect(await axeSerious(page), path).to.deep.equal([]);
      expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), path).to.equal(0);
    }
    // Links keep the launch session: the nav leads on without signing in again.
    await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    await context.close();
  });
});
