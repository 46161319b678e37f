import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { PlatformEmulator, ROLE } from '../helpers/emulator/platform-emulator.js';
import { registrationControls } from '../helpers/emulator/registration.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { startTool, type Tool } from '../helpers/stack.js';

describe('browser: Dynamic Registration from the LMS admin page', function () {
  this.timeout(60_000);
  let tool: Tool;
  let emu: PlatformEmulator;
  let browser: Browser;
  before(async () => {
    tool = await startTool({ host: 'localhost' });
    emu = await PlatformEmulator.start({ toolUrl: tool.publicUrl });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await emu?.close();
    await tool?.close();
  });

  it('registers inside the admin iframe, posts org.imsglobal.lti.close, and the new registration launches', async () => {
    const ctl = registrationControls(emu);
    const page = await browser.newPage();
    await page.goto(`${emu.url}/admin/register?${new URLSearchParams({ tool: `${tool.publicUrl}/lti/register`, token: ctl.token })}`);
    const frame = page.frameLocator('#reg');
    await frame.getByText('Threadline is registered').waitFor({ timeout: 15_000 });
    const toolFrame = page.frames().find((f) => f.url().startsWith(tool.publicUrl))!;
    expect(await axeSerious(toolFrame)).to.deep.equal([]);
    await screenshot(page, 'dynamic-registration-done');
    await page.waitForFunction('window.closeMessages.length > 0', undefined, { timeout: 10_000 });
    const messages = (await page.evaluate('window.closeMessages')) as Array<{ origin: string; data: { subject: string } }>;
    expect(messages[0]!.data.subject).to.equal('org.imsglobal.lti.close');
    expect(messages[0]!.origin).to.equal(new URL(tool.publicUrl).origin);

    // The platform now launches with the client id it issued.
    emu.clientId = ctl.issueClientId;
    emu.deploymentId = ctl.issueDeploymentId!;
    const hint = emu.prepare({ sub: 'teacher-reg', roles: [ROLE.instructor] });
    await page.goto(`${emu.url}/course/${hint}`);
    await page.frameLocator('#tool').getByText('Set up this Threadline link').waitFor({ timeout: 15_000 });
    await page.close();
  });
});
