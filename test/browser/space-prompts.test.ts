import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * What a learner sees of prep prompts with post-first on, in headless Chromium: answer a prompt,
 * then see the peers' answers; the settings and prompt pages pass axe and fit 320 px.
 */
describe('browser: space settings and prep prompts', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let promptId: string;
  let learnerToken: string;
  let teacherToken: string;

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    const session = await stack.tool.container.sessions.get(sha256(token));
    return { token, csrf: session!.csrfToken };
  }

  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  const post = (s: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: s.token, _csrf: s.csrf, ...fields }) });

  async function open(context: BrowserContext, path: string, token: string): Promise<Page> {
    const page = await context.newPage();
    const res = await page.goto(url(path, token));
    expect(res?.status()).to.equal(200);
    return page;
  }

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const link = { resourceLinkId: 'browser-prompts' };
    const teacher = await sessionFor({ sub: 'pt', name: 'Tess Teacher', roles: [ROLE.instructor], ...link });
    teacherToken = teacher.token;
    const setup = await post(teacher, '/app/setup', { kind: 'prep', title: 'Coaching prep', time_zone: 'Europe/London' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    await post(teacher, `/spaces/${spaceId}/settings`, { title: 'Coaching prep', intro: 'Answer the prompts **before Monday**.', time_zone: 'Europe/London', anonymity: 'off', post_first: 'on' });
    await post(teacher, `/spaces/${spaceId}/prompts`, { title: 'What is one coaching habit you want to build?', body: 'Think of a recent 1:1.', required: 'on', material_label_0: 'The coaching habit (summary)', material_url_0: 'https://example.com/coaching' });
    promptId = (await stack.tool.container.db('prompt_details').where({ space_id: spaceId }).first()).thread_id;
    const peer = await sessionFor({ sub: 'pp', name: 'Pat Peer', roles: [ROLE.learner], ...link });
    await post(peer, `/threads/${promptId}/replies`, { body: 'Pat: asking more questions before giving advice.' });
    learnerToken = (await sessionFor({ sub: 'pl', name: 'Lee Learner', roles: [ROLE.learner], ...link })).token;
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('a learner answers a prep prompt (no script needed), then sees peers\' answers', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await open(context, `/spaces/${spaceId}`, learnerToken);
    await page.getByText('You have answered 0 of 1.').waitFor();
    await page.getByRole('link', { name: 'What is one coaching habit you want to build?' }).click();
    await page.getByText('1 person has answered. Post your own answer to see what others wrote.').waitFor();
    expect(await page.getByText('Pat: asking more questions').count()).to.equal(0);
    await page.getByRole('textbox', { name: 'Your answer' }).fill('Lee: listening until the end.');
    await page.getByRole('button', { name: 'Post answer' }).click();
    await page.getByText('Lee: listening until the end.').waitFor();
    await page.getByText('Pat: asking more questions before giving advice.').waitFor();
    expect(await page.getByRole('button', { name: 'Post answer' }).count()).to.equal(0);
    const space = await open(context, `/spaces/${spaceId}`, learnerToken);
    await space.getByText('You have answered 1 of 1.').waitFor();
    await context.close();
  });

  for (const width of [1000, 320]) {
    it(`passes axe and fits the screen at ${width} px: settings, prompt, prompt form and space pages`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const pages: Array<[string, string, string]> = [
        ['settings', `/spaces/${spaceId}/settings`, teacherToken],
        ['prompt-learner', `/threads/${promptId}`, learnerToken],
        ['prompt-staff', `/threads/${promptId}`, teacherToken],
        ['prompt-form', `/prompts/${promptId}/edit`, teacherToken],
        ['space-staff', `/spaces/${spaceId}`, teacherToken],
      ];
      for (const [name, path, token] of pages) {
        const page = await open(context, path, token);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `prompts-${name}-${width}px`);
        await page.close();
      }
      await context.close();
    });
  }
});
