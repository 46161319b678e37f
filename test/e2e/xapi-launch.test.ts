import { expect } from 'chai';
import { statementId, registrationId } from '../../src/xapi/statement-builder.js';
import type { XapiActivity, XapiStatement } from '../../src/xapi/statement.js';
import { ACTIVITY_TYPE, EXTENSION, PROFILE_IRI, PROFILE_VERSION_IRI, VERB } from '../../src/xapi/vocabulary.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { LrsStub, xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

async function waitFor<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('xAPI: a launch becomes a statement at the LRS', () => {
  let stub: LrsStub;
  let stack: Stack;
  before(async () => {
    stub = await LrsStub.start({ username: 'tl-key', password: 'tl-secret' });
    stack = await startStack({ env: { XAPI_LRS_ENDPOINT: stub.endpoint, XAPI_LRS_USERNAME: 'tl-key', XAPI_LRS_PASSWORD: 'tl-secret', XAPI_BATCH_SIZE: '10' } });
  });
  after(async () => {
    await stack.close();
    await stub.close();
  });

  it('delivers a valid `launched` statement over HTTP, on the in-process interval', async () => {
    const t0 = Date.now();
    const r = await launch(stack, { sub: 'learner-7', name: 'Lin Learner', roles: [ROLE.learner], contextId: 'course-x', resourceLinkId: 'link-x', resourceLinkTitle: 'Week 2 prep' });
    expect(r.response.status, r.response.body).to.equal(303);
    const id = statementId('launched', r.state);
    const s = (await waitFor('the launched statement', () => stub.get(id))) as unknown as XapiStatement;

    expect(xapiProblems(s)).to.deep.equal([]);
    const { emu, tool } = stack;
    expect(s.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: emu.issuer, name: 'learner-7' } });
    expect(s.verb.id).to.equal(VERB.launched);
    const object = s.object as XapiActivity;
    expect(object.id.startsWith(`${tool.publicUrl}/xapi/links/`)).to.equal(true);
    expect(object.definition).to.deep.equal({ type: ACTIVITY_TYPE.resourceLink, name: { 'en-US': 'Week 2 prep' } });
    const ctx = s.context!;
    expect(ctx.platform).to.equal('Threadline');
    expect(ctx.registration).to.equal(
      registrationId({
        platform: { id: '', issuer: emu.issuer, clientId: emu.clientId, productFamily: null },
        deployment: { id: '', deploymentId: emu.deploymentId },
        context: { id: '', contextId: 'course-x', label: null, title: null },
        resourceLink: { id: '', resourceLinkId: 'link-x', title: null },
        user: { sub: 'learner-7', name: null },
        locale: 'en-US',
      }),
    );
    expect(ctx.contextActivities!.category!.map((c) => c.id)).to.deep.equal([PROFILE_VERSION_IRI]);
    const course = ctx.contextActivities!.grouping!.find((g) => g.definition?.type === ACTIVITY_TYPE.course);
    expect(course?.definition?.name).to.deep.equal({ 'en-US': 'Course One' });
    expect(ctx.extensions![EXTENSION.lti]).to.deep.equal({ iss: emu.issuer, deployment_id: emu.deploymentId, context_id: 'course-x', resource_link_id: 'link-x' });
    const ts = Date.parse(s.timestamp);
    expect(ts).to.be.within(t0 - 1_000, Date.now());
    // Nobody's name leaves the tool unless the install opts in.
    expect(JSON.stringify(s)).not.to.contain('Lin Learner');

    // Acknowledged once the LRS answered.
    const stats = await waitFor('the ack', async () => {
      const [st] = await tool.container.outbox.stats(Date.now());
      return st!.delivered >= 1 ? st : undefined;
    });
    expect(stats).to.include({ lrsId: 'primary', depth: 0, dead: 0 });
    // The stub checked the version header and the credentials on the way in.
    expect(stub.requests.every((q) => q.status === 200)).to.equal(true);
  });

  it('one statement per launch; none for deep-linking or anonymous launches', async () => {
    const before = stub.stored.length;
    const a = await launch(stack, { sub: 'learner-8' });
    const b = await launch(stack, { sub: 'learner-8' });
    await launch(stack, { sub: 'teacher-1', roles: [ROLE.instructor], messageType: 'LtiDeepLinkingRequest' });
    await launch(stack, { sub: null });
    await waitFor('two statements', () => (stub.get(statementId('launched', a.state)) && stub.get(statementId('launched', b.state)) ? true : undefined));
    await stack.tool.container.xapiSender.tick();
    expect(stub.stored.length - before).to.equal(2);
    const rows = await stack.tool.container.db('xapi_outbox').count({ n: '*' });
    expect(Number(rows[0]!.n)).to.equal(stub.stored.length);
  });

  it('survives an LRS outage: statements wait, then arrive exactly once', async () => {
    const before = stub.stored.length;
    stub.failFor(1_500, { status: 503 });
    const launches = [];
    for (let i = 0; i < 3; i++) launches.push(await launch(stack, { sub: `outage-${i}` }));
    const ids = launches.map((l) => statementId('launched', l.state));
    await waitFor('statements after the outage', () => (ids.every((id) => stub.get(id)) ? true : undefined), 15_000);
    expect(stub.requests.some((q) => q.status === 503)).to.equal(true);
    expect(stub.stored.length - before).to.equal(3);
    for (const id of ids) expect(stub.acceptedCount.get(id)).to.equal(1);
  });

  it('serves the xAPI profile as JSON-LD', async () => {
    const res = await fetch(`${stack.tool.publicUrl}/xapi/profile`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/ld\+json/);
    const profile = (await res.json()) as { id: string; type: string; templates: unknown[] };
    expect(profile).to.include({ id: PROFILE_IRI, type: 'Profile' });
    expect(profile.templates.length).to.be.greaterThan(10);
  });
});

describe('xAPI: with no LRS configured', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.close());

  it('queues the launched statement in the outbox for the embedded LRS', async () => {
    const r = await launch(stack, { sub: 'learner-9' });
    expect(r.response.status).to.equal(303);
    const [stats] = await stack.tool.container.outbox.stats(Date.now());
    // The embedded LRS's delivery may already have taken it (test/e2e/embedded-lrs.test.ts).
    expect(stats).to.include({ lrsId: 'embedded', dead: 0 });
    expect(stats!.depth + stats!.delivered).to.equal(1);
    const row = await stack.tool.container.db('xapi_outbox').first();
    expect(row.statement_id).to.equal(statementId('launched', r.state));
    expect(xapiProblems(JSON.parse(row.statement as string))).to.deep.equal([]);
  });
});
