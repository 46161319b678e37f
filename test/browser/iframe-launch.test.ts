import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * What a person sees: the tool inside an LMS course page's cross-site iframe (course page on
 * 127.0.0.1, tool on localhost), in headless Chromium.
 */
describe('browser: launch inside the LMS iframe', function () {
  this.timeout(60_000);
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    stack = await startStack({ host: 'localhost' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const toolOrigin = () => new URL(stack.tool.publicUrl).origin;

  async function toolFrame(page: Page, text: string): Promise<Frame> {
    const frame = page.frameLocator('#tool');
    await frame.getByText(text).first().waitFor({ timeout: 15_000 });
    const f = page.frames().find((fr) => fr.url().startsWith(toolOrigin()));
    if (!f) throw new Error('tool frame not found');
    return f;
  }

  /** Makes the tool's cookies vanish inside iframes, like Safari or a strict Chromium profile. */
  async function blockThirdPartyCookies(context: BrowserContext): Promise<void> {
    await context.route(`${toolOrigin()}/**`, async (route) => {
      const req = route.request();
      // A popup's first navigation has no frame yet (Playwright throws): it is top-level, so first-party.
      let inIframe = false;
      try {
        inIframe = req.frame().parentFrame() !== null;
      } catch {
        inIframe = false;
      }
      if (!inIframe) return route.continue();
      const headers = { ...req.headers() };
      delete headers.cookie;
      // route.fetch shares the context's cookie jar: empty it so no tool cookie rides along or is kept.
      await context.clearCookies();
      const response = await route.fetch({ headers, maxRedirects: 0 });
      await context.clearCookies();
      const out = { ...response.headers() };
      delete out['set-cookie'];
      await route.fulfill({ response, headers: out });
    });
  }

  it('launches an instructor with cookies, sets up a space, and the page passes axe', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    const hint = stack.emu.prepare({ sub: 'teacher-b', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'browser-link-1' });
    await page.goto(`${stack.emu.url}/course/${hint}`);
    const frame = await toolFrame(page, 'Set up this Threadline link');
    expect(await axeSerious(frame)).to.deep.equal([]);
    await screenshot(page, 'setup-in-iframe');
    await frame.getByLabel('Title').fill('Leadership week 1: prep');
    await frame.getByLabel('Event date').fill('2027-05-10');
    await frame.getByLabel('Event start time').fill('10:00');
    await frame.getByLabel('Time zone').selectOption('Europe/London');
    await frame.getByRole('button', { name: 'Create space' }).click();
    const spaceFrame = await toolFrame(page, 'Leadership week 1: prep');
    expect(await spaceFrame.textContent('body')).to.contain('Tess Teacher');
    expect(await axeSerious(spaceFrame)).to.deep.equal([]);
    await screenshot(page, 'space-in-iframe');
    await context.close();
  });

  it('launches through platform storage when the browser blocks the cookie', async () => {
    const context = await browser.newContext();
    await blockThirdPartyCookies(context);
    const page = await context.newPage();
    const hint = stack.emu.prepare({ sub: 'teacher-c', roles: [ROLE.instructor], resourceLinkId: 'browser-link-2' });
    await page.goto(`${stack.emu.url}/course/${hint}?storage=1`);
    await toolFrame(page, 'Set up this Threadline link');
    const log = (await page.evaluate('window.storageLog')) as string[];
    expect(log).to.include('lti.put_data');
    expect(log).to.include('lti.get_data');
    await context.close();
  });

  it('offers a new window when cookies are blocked and the platform has no storage, and that window works', async () => {
    const context = await browser.newContext();
    await blockThirdPartyCookies(context);
    const page = await context.newPage();
    const hint = stack.emu.prepare({ sub: 'learner-d', roles: [ROLE.learner], resourceLinkId: 'browser-link-3' });
    await page.goto(`${stack.emu.url}/course/${hint}`);
    const frame = await toolFrame(page, 'Open Threadline in a new window');
    expect(await axeSerious(frame)).to.deep.equal([]);
    await screenshot(page, 'cookie-blocked-fallback');
    const [popup] = await Promise.all([context.waitForEvent('page'), frame.getByRole('link', { name: 'Open Threadline in a new window' }).click()]);
    await popup.getByText('Not open yet').waitFor({ timeout: 15_000 });
    expect(popup.url()).to.match(/\/app\?session=/);
    await context.close();
  });

  it('fits a 320 px wide phone screen without horizontal scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    const hint = stack.emu.prepare({ sub: 'teacher-e', roles: [ROLE.instructor], resourceLinkId: 'browser-link-4' });
    // The course page's iframe is wider than the phone; open the tool's login top-level, as a phone app would.
    const login = new URLSearchParams({ iss: stack.emu.issuer, login_hint: hint, target_link_uri: `${stack.tool.publicUrl}/lti/launch`, client_id: stack.emu.clientId });
    await page.goto(`${stack.tool.publicUrl}/lti/login?${login}`);
    await page.getByText('Set up this Threadline link').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).to.equal(0);
    await screenshot(page, 'setup-320px');
    await context.close();
  });
});
