import { expect } from 'chai';
import { statementId } from '../../src/xapi/statement-builder.js';
import { VERB } from '../../src/xapi/vocabulary.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

const KEY = 'e2e-lrs-key';
const SECRET = 'e2e-lrs-secret-0123456789';

describe('xAPI: with no external LRS, a launch is queryable at the embedded LRS', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { EMBEDDED_LRS_KEY: KEY, EMBEDDED_LRS_SECRET: SECRET } });
  });
  after(async () => stack.close());

  const get = (path: string) =>
    fetch(new URL(path, stack.tool.publicUrl), { headers: { 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` } });

  it('delivers the `launched` statement from the outbox to /xapi/statements on the in-process interval', async () => {
    const r = await launch(stack, { sub: 'learner-11', roles: [ROLE.learner], contextId: 'course-e', resourceLinkId: 'link-e' });
    expect(r.response.status, r.response.body).to.equal(303);
    const id = statementId('launched', r.state);
    const end = Date.now() + 8_000;
    let res = await get(`/xapi/statements?statementId=${id}`);
    while (res.status === 404 && Date.now() < end) {
      await new Promise((ok) => setTimeout(ok, 100));
      res = await get(`/xapi/statements?statementId=${id}`);
    }
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-experience-api-version')).to.equal('1.0.3');
    const s = (await res.json()) as { id: string; verb: { id: string }; actor: unknown; stored: string };
    expect(s.verb.id).to.equal(VERB.launched);
    expect(s.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'learner-11' } });
    expect(s.stored).to.be.a('string');
    expect(xapiProblems(s)).to.deep.equal([]);

    // Found by the analyst's filters too.
    const agent = JSON.stringify({ account: { homePage: stack.emu.issuer, name: 'learner-11' } });
    const q = await get(`/xapi/statements?${new URLSearchParams({ agent, verb: VERB.launched })}`);
    expect(q.status).to.equal(200);
    expect(((await q.json()) as { statements: Array<{ id: string }> }).statements.map((x) => x.id)).to.deep.equal([id]);
    const [stats] = await stack.tool.container.outbox.stats(Date.now());
    expect(stats).to.include({ lrsId: 'embedded', depth: 0, dead: 0, delivered: 1 });
    expect((await get('/xapi/statements?statementId=' + id)).status).to.equal(200);
    const wrong = await fetch(`${stack.tool.publicUrl}/xapi/statements`, { headers: { 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${KEY}:nope`).toString('base64')}` } });
    expect(wrong.status).to.equal(401);
  });
});
