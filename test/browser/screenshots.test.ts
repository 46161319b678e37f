import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * The README's screenshots, taken from a realistic course seeded through the real routes (LTI
 * launches through the emulator, then the same form POSTs a browser sends). Regenerated on every
 * run so the pictures never drift from the product; each page must also pass axe and fit its width.
 */
// The README's pictures are rewritten only when asked (UPDATE_SCREENSHOTS=1 npm test): every run
// takes and checks them, but dates on the pages change, so writing them each time would leave
// every test run with modified files in the tree.
const OUT = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs', 'screenshots') : path.resolve('test-output', 'screenshots', 'readme');
// Long pages are cut here: the README needs the top of a page, not a 6000 px strip.
const MAX_HEIGHT = 2000;

type Who = { token: string; csrf: string; id: string; name: string };

describe('browser: README screenshots of the main pages', function () {
  this.timeout(180_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let prepId: string;
  let eventId: string;
  let promptId: string;
  let qaThreadId: string;
  let nestedThreadId: string;
  let teacher: Who;
  let teacherPrep: Who;
  let learners: Who[];
  let learnersPrep: Who[];

  async function sessionFor(spec: LaunchSpec & { name: string }): Promise<Who> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    const session = (await stack.tool.container.sessions.get(sha256(token)))!;
    return { token, csrf: session.csrfToken, id: session.launch.user!.id, name: spec.name };
  }
  const url = (p: string, token: string) => `${base}${p}${p.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  async function post(who: Who, p: string, fields: Array<[string, string]> | Record<string, string>): Promise<Response> {
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    body.set('session', who.token);
    body.set('_csrf', who.csrf);
    const res = await fetch(`${base}${p}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    // Every seeding step must be accepted (a redirect after a POST), or the pictures would lie.
    expect(res.status, `POST ${p}`).to.equal(303);
    return res;
  }
  const threadOf = (res: Response) => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
  const postOf = (res: Response) => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location')!)![1]!;
  const mention = (w: Who) => `@[${w.name}](${w.id})`;
  const dateTime = (prefix: string, days: number, time: string) => ({
    [`${prefix}_date`]: new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10),
    [`${prefix}_time`]: time,
  });

  before(async () => {
    // Seeding writes more posts per person per minute than the default limit allows.
    stack = await startStack({ env: { RATE_POSTS_PER_MINUTE: '500', RATE_POSTS_PER_HOUR: '5000' } });
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    fs.mkdirSync(OUT, { recursive: true });
    const names = ['Amara Okafor', 'Lucas Ferreira', 'Priya Raman', 'Sofia Lindqvist', 'Daniel Kim'];
    const prepLink = { resourceLinkId: 'shots-prep' };
    const eventLink = { resourceLinkId: 'shots-debrief' };

    // --- The prep space: intro, three prompts, post-first on. ---
    teacherPrep = await sessionFor({ sub: 'helen', name: 'Helen Marsh', roles: [ROLE.instructor], ...prepLink });
    prepId = /\/spaces\/([0-9a-f-]{36})/.exec((await post(teacherPrep, '/app/setup', { kind: 'prep', title: 'Coaching conversations: prep', time_zone: 'Europe/London' })).headers.get('location')!)![1]!;
    await post(teacherPrep, `/spaces/${prepId}/settings`, {
      title: 'Coaching conversations: prep',
      intro: 'Welcome! Before our workshop on **Thursday 3 December**, please answer the three prompts below. It takes about 15 minutes.\n\nYou will see what colleagues wrote once you have posted your own answer.',
      time_zone: 'Europe/London',
      anonymity: 'off',
      post_first: 'on',
      // A realistic window around "now": opened yesterday, the event next week, closing at its start.
      ...dateTime('event', 7, '09:30'),
      ...dateTime('opens', -1, '08:00'),
      ...dateTime('closes', 7, '09:00'),
    });
    const prompts = [
      { title: 'Think of a conversation that changed how you work. What made it useful?', body: 'A few sentences are enough. Leave out names.' },
      { title: 'Which coaching habit do you want to build?', body: 'Pick one habit you could practise next week.' },
      { title: 'What would make Thursday worth your time?', body: 'Tell us one question you would like answered.' },
    ];
    for (const p of prompts) await post(teacherPrep, `/spaces/${prepId}/prompts`, { ...p, required: 'on' });
    const promptIds: string[] = (await stack.tool.container.db('prompt_details').where({ space_id: prepId }).orderBy('position')).map((r: { thread_id: string }) => r.thread_id);
    expect(promptIds).to.have.length(3);
    promptId = promptIds[1]!;
    learnersPrep = [];
    for (const [i, name] of names.entries()) learnersPrep.push(await sessionFor({ sub: `learner-${i}`, name, roles: [ROLE.learner], ...prepLink }));
    const answers = [
      ['My manager asked *“what would you do?”* before giving any advice. I found my own answer and owned it.', 'Asking one open question before offering a solution.', 'How to coach someone who just wants the answer.'],
      ['A peer review where the feedback was specific: the slide, the sentence, the effect on the audience.', 'Pausing for three seconds after someone finishes talking.', 'Examples of good questions for a first 1:1.'],
      ['A mentor who summarised what I said back to me. I felt heard, and I noticed gaps in my own plan.', 'Summarising before I respond.', 'Time to practise with real scenarios.'],
      ['A coach who asked what I already knew. Most of the answer was there.', 'Letting people finish their sentence.', 'What to do when a coaching talk turns into a complaint.'],
      ['My first team lead, who agreed goals with me rather than for me.', 'Ending each 1:1 with “what will you do next?”', 'How other teams make time for coaching.'],
    ];
    // The first learner (whose view we show) answers two of three; others answer all.
    for (const [li, who] of learnersPrep.entries()) {
      for (const [pi, pid] of promptIds.entries()) {
        if (li === 0 && pi === 2) continue;
        await post(who, `/threads/${pid}/replies`, { body: answers[li]![pi]! });
      }
    }

    // --- The post-event space: threads, nested replies, Q&A, tags, a flag, mentions. ---
    teacher = await sessionFor({ sub: 'helen', name: 'Helen Marsh', roles: [ROLE.instructor], ...eventLink });
    eventId = /\/spaces\/([0-9a-f-]{36})/.exec((await post(teacher, '/app/setup', { kind: 'post_event', title: 'Coaching conversations: after the workshop', time_zone: 'Europe/London' })).headers.get('location')!)![1]!;
    for (const label of ['Feedback', 'Questions', 'Practice', 'Resources']) await post(teacher, `/spaces/${eventId}/tags`, { label });
    const tags = new Map<string, string>((await stack.tool.container.db('space_tags').where({ space_id: eventId })).map((r: { label: string; id: string }) => [r.label, r.id]));
    learners = [];
    for (const [i, name] of names.entries()) learners.push(await sessionFor({ sub: `learner-${i}`, name, roles: [ROLE.learner], ...eventLink }));
    const [amara, lucas, priya, sofia, daniel] = learners as [Who, Who, Who, Who, Who];

    const welcome = threadOf(await post(teacher, `/spaces/${eventId}/threads`, [
      ['title', 'Welcome back: share one thing you will try this week'], ['kind', 'discussion'], ['tags', tags.get('Practice')!],
      ['body', 'Thank you for a lively workshop! Reply with **one** thing you will try before our follow-up on 17 December.\n\n> Small, specific experiments beat big plans.'],
    ]));
    await post(teacher, `/threads/${welcome}/pin`, {});
    qaThreadId = threadOf(await post(priya, `/spaces/${eventId}/threads`, [
      ['title', 'How do you start a coaching conversation when someone just wants the answer?'], ['kind', 'question'], ['tags', tags.get('Questions')!], ['tags', tags.get('Feedback')!],
      ['body', 'In my team people come to me for quick fixes. I tried the GROW model but it felt forced.\n\nWhat opening lines have worked for you?'],
    ]));
    const accepted = postOf(await post(lucas, `/threads/${qaThreadId}/replies`, {
      body: 'What worked for me is naming the choice out loud:\n\n1. *“Do you want my answer, or do you want to think it through together?”*\n2. If they pick the answer, give it, then ask what they would have tried.\n3. Next time, start with the question.\n\nPeople rarely pick the quick answer twice.',
    }));
    const second = postOf(await post(sofia, `/threads/${qaThreadId}/replies`, { body: `I like this. ${mention(priya)}, you could also try *“What have you tried so far?”* — it shows respect for their work.` }));
    await post(amara, `/threads/${qaThreadId}/replies`, { body: 'Agree with Lucas. Giving people the choice felt awkward the first two times and then it clicked.', parent_post_id: accepted });
    await post(priya, `/threads/${qaThreadId}/replies`, { body: `Thanks ${mention(lucas)} — trying this in tomorrow's 1:1s.`, parent_post_id: accepted });
    await post(priya, `/posts/${accepted}/accept`, {});
    await post(teacher, `/posts/${accepted}/endorse`, {});
    for (const who of [amara, priya, sofia, daniel]) await post(who, `/posts/${accepted}/react`, {});
    for (const who of [lucas, daniel]) await post(who, `/posts/${second}/react`, {});

    nestedThreadId = threadOf(await post(daniel, `/spaces/${eventId}/threads`, [
      ['title', 'Silence felt uncomfortable. Did anyone else find the 3-second pause hard?'], ['kind', 'discussion'], ['tags', tags.get('Practice')!],
      ['body', 'I tried the pause from the workshop in three meetings. Notes so far:\n\n- Meeting 1: I filled the silence myself after a second.\n- Meeting 2: counted in my head, which helped.\n- Meeting 3: a colleague offered an idea I had not thought of.'],
    ]));
    const r1 = postOf(await post(amara, `/threads/${nestedThreadId}/replies`, { body: 'Same here! I now keep a sticky note on my screen that says **wait**.' }));
    const r2 = postOf(await post(daniel, `/threads/${nestedThreadId}/replies`, { body: `Ha, a sticky note is a great idea ${mention(amara)}. Where did you put it?`, parent_post_id: r1 }));
    const r3 = postOf(await post(amara, `/threads/${nestedThreadId}/replies`, { body: 'Bottom-left of my monitor, right next to the video call window.', parent_post_id: r2 }));
    await post(sofia, `/threads/${nestedThreadId}/replies`, { body: 'Stealing this for my next team meeting.', parent_post_id: r3 });
    const r5 = postOf(await post(teacher, `/threads/${nestedThreadId}/replies`, { body: 'Lovely to read. Research on *wait time* in classrooms found that waiting 3 seconds or more leads to longer, more thoughtful answers.' }));
    await post(teacher, `/posts/${r5}/endorse`, {});
    await post(daniel, `/posts/${r5}/react`, {});
    await post(priya, `/threads/${nestedThreadId}/replies`, { body: 'For remote meetings I say “take your time” out loud, so the silence does not feel like a connection problem.' });

    const resources = threadOf(await post(sofia, `/spaces/${eventId}/threads`, [
      ['title', 'Question bank from the workshop (copy and adapt)'], ['kind', 'discussion'], ['tags', tags.get('Resources')!],
      ['body', 'I typed up the questions from the flip chart:\n\n```\nWhat is on your mind?\nAnd what else?\nWhat is the real challenge here for you?\nWhat do you want?\n```\n\nAdd yours below.'],
    ]));
    await post(lucas, `/threads/${resources}/replies`, { body: 'Thank you! Adding: *“How can I help?”*' });
    for (const who of [amara, daniel, priya]) await post(who, `/posts/${(await stack.tool.container.db('posts').where({ thread_id: resources }).orderBy('created_at').first()).id}/react`, {});
    const spam = postOf(await post(daniel, `/threads/${resources}/replies`, { body: 'Selling my old workshop notes, message me for a price.' }));
    await post(amara, `/posts/${spam}/flag`, { reason: 'spam', note: 'Looks like an advert' });
    await post(priya, `/posts/${spam}/flag`, { reason: 'off_topic', note: '' });
    await post(lucas, `/spaces/${eventId}/threads`, [['title', 'Can we get the slides?'], ['kind', 'question'], ['tags', tags.get('Resources')!], ['body', `${mention(teacher)} could you share the slides from Thursday?`]]);
    await post(amara, `/threads/${welcome}/replies`, { body: `I will ask *“and what else?”* at least once in every 1:1. ${mention(priya)} want to compare notes on Friday?` });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Opens a page, checks axe and width, and writes OUT/<name>.png (clipped when long). */
  async function shoot(name: string, p: string, who: Who, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const res = await page.goto(url(p, who.token));
    expect(res?.status(), name).to.equal(200);
    expect(await axeSerious(page), `${name}: axe`).to.deep.equal([]);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, `${name}: horizontal overflow`).to.equal(0);
    const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
    const file = path.join(OUT, `${name}.png`);
    fs.rmSync(file, { force: true });
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, MAX_HEIGHT) } });
    // The PNG exists, is a real image of the requested width, and stays small enough for a repo.
    const png = fs.readFileSync(file);
    expect(png.subarray(1, 4).toString('ascii')).to.equal('PNG');
    expect(png.readUInt32BE(16), `${name}: width`).to.equal(width);
    expect(png.length, `${name}: size`).to.be.below(1_000_000);
    return page;
  }

  it('prep space, learner view: the prompt checklist shows what is left', async () => {
    const page = await shoot('prep-space', `/spaces/${prepId}`, learnersPrep[0]!);
    await page.getByText('You have answered 2 of 3.').waitFor();
    await page.context().close();
  });

  it('a prompt after answering: the peers\' answers are visible', async () => {
    const page = await shoot('prompt-answered', `/threads/${promptId}`, learnersPrep[0]!);
    await page.getByText('Pausing for three seconds after someone finishes talking.').waitFor();
    await page.context().close();
  });

  it('post-event space: the thread list with a pinned thread, tags and counts', async () => {
    const page = await shoot('thread-list', `/spaces/${eventId}`, learners[0]!);
    expect(await page.locator('.thread-item').count()).to.equal(5);
    expect(await page.locator('.thread-item').first().textContent()).to.contain('Welcome back');
    await page.context().close();
  });

  it('a Q&A thread with the accepted, endorsed answer', async () => {
    const page = await shoot('question-answered', `/threads/${qaThreadId}`, learners[2]!);
    await page.getByText('Endorsed by instructor').first().waitFor();
    await page.context().close();
  });

  it('a thread with nested replies', async () => {
    const page = await shoot('thread-nested', `/threads/${nestedThreadId}`, learners[4]!);
    await page.getByText('Bottom-left of my monitor').waitFor();
    await page.context().close();
  });

  it('the same thread on a phone (375 px)', async () => {
    const page = await shoot('thread-phone', `/threads/${nestedThreadId}`, learners[4]!, 375);
    await page.getByText('Bottom-left of my monitor').waitFor();
    await page.context().close();
  });

  it('search results with highlights', async () => {
    const page = await shoot('search', `/spaces/${eventId}/search?q=${encodeURIComponent('workshop')}`, learners[1]!);
    expect(await page.locator('.search-result').count()).to.be.greaterThan(1);
    await page.context().close();
  });

  it('the moderation queue (instructor)', async () => {
    const page = await shoot('moderation-queue', `/spaces/${eventId}/moderation`, teacher);
    await page.getByText('Selling my old workshop notes').waitFor();
    await page.context().close();
  });

  it('most useful', async () => {
    const page = await shoot('most-useful', `/spaces/${eventId}/useful`, learners[0]!);
    await page.getByText('naming the choice out loud').first().waitFor();
    await page.context().close();
  });

  it('notifications (a learner who was mentioned)', async () => {
    const page = await shoot('notifications', `/spaces/${eventId}/notifications`, learners[2]!);
    expect(await page.locator('main').textContent()).to.contain('Amara Okafor').and.to.contain('Sofia Lindqvist');
    await page.context().close();
  });

  it('space settings (instructor)', async () => {
    const page = await shoot('space-settings', `/spaces/${prepId}/settings`, teacherPrep);
    expect(await page.locator('#post_first').isChecked()).to.equal(true);
    await page.context().close();
  });

  it('the analytics dashboard of the course (instructor)', async () => {
    // Action plans with barriers (learners in the prep space, whose event is next week), so transfer and barriers show.
    const barriers = ['Not enough time in 1:1s', 'not enough time in 1:1s', 'My team expects quick answers', 'Remote meetings', ''];
    for (const [i, who] of learnersPrep.entries()) {
      await post(who, `/spaces/${prepId}/journey/plans`, { goal: 'Ask one open question before advising', situation: '', target_date: '', status: i < 3 ? 'tried' : 'planned', barrier: barriers[i]! });
    }
    const page = await shoot('analytics', '/course/analytics', teacher);
    expect(await page.locator('svg[role="img"]').count()).to.equal(6);
    await page.context().close();
  });
});
