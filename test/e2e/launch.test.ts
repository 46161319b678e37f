import { expect } from 'chai';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

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
});
