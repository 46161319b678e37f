import { expect } from 'chai';
import type { Container } from '../../src/container.js';
import { sha256 } from '../../src/ids.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { services, setMembers, type EmulatorMember } from '../helpers/emulator/services.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

const member = (i: number, role: string = ROLE.learner, extra: Partial<EmulatorMember> = {}): EmulatorMember => ({ user_id: `r-${i}`, roles: [role], name: `Person ${String(i).padStart(2, '0')}`, ...extra });

/** The course roster: NRPS paged through the emulator, kept in the database, joined with launches. */
describe('course roster (NRPS + launches, real database)', function () {
  this.timeout(60_000);
  let stack: Stack;
  let c: Container;

  before(async () => {
    stack = await startStack();
    c = stack.tool.container;
  });
  after(async () => stack?.close());

  async function launchOf(sub: string, role: string, contextId: string, name?: string): Promise<LaunchContext> {
    const r = await launch(stack, { sub, name, roles: [role], contextId, resourceLinkId: `link-${contextId}` });
    return (await c.sessions.get(sha256(r.sessionToken!)))!.launch;
  }

  it('reads every page of the roster once, and lists roster people with those who launched', async () => {
    const roster = [...Array.from({ length: 23 }, (_, i) => member(i)), member(30, ROLE.instructor, { name: 'Tess Teacher' })];
    setMembers(stack.emu, 'roster-course', roster);
    services(stack.emu).config.pageSize = 5;
    const teacher = await launchOf('r-30', ROLE.instructor, 'roster-course', 'Tess Teacher');
    await launchOf('r-3', ROLE.learner, 'roster-course', 'Person 03 (launched)');
    await launchOf('walk-in', ROLE.learner, 'roster-course', 'Wally Walkin'); // launched, not on the roster (yet)
    services(stack.emu).serviceRequests.length = 0;

    const r = await c.roster.roster(teacher, 'if-stale');
    expect(r.refreshError).to.equal(null);
    expect(r.available).to.equal(true);
    expect(r.sync!.memberCount).to.equal(24);
    expect(r.sync!.pages).to.equal(5);
    expect(services(stack.emu).serviceRequests.filter((x) => x.path.includes('/nrps/'))).to.have.length(5);
    expect(r.members).to.have.length(25);
    const bySub = new Map(r.members.map((m) => [m.sub, m]));
    expect(bySub.get('r-3')).to.include({ source: 'both', name: 'Person 03 (launched)', primaryRole: 'learner', status: 'Active' });
    expect(bySub.get('r-3')!.userId).to.be.a('string');
    expect(bySub.get('r-4')).to.include({ source: 'roster', userId: null, lastLaunchAt: null });
    expect(bySub.get('walk-in')).to.include({ source: 'launch', name: 'Wally Walkin' });
    expect(bySub.get('r-30')).to.include({ primaryRole: 'instructor' });

    // Fresh: a second look within the cache time asks NRPS nothing.
    services(stack.emu).serviceRequests.length = 0;
    await c.roster.roster(teacher, 'if-stale');
    expect(services(stack.emu).serviceRequests.filter((x) => x.path.includes('/nrps/'))).to.have.length(0);
  });

  it('marks people who left as Deleted on the next forced read, and keeps their names', async () => {
    setMembers(stack.emu, 'roster-leave', [member(1), member(2), member(3, ROLE.instructor)]);
    const teacher = await launchOf('r-3', ROLE.instructor, 'roster-leave');
    await c.roster.roster(teacher, 'force');
    setMembers(stack.emu, 'roster-leave', [member(1), member(3, ROLE.instructor)]);
    const r = await c.roster.roster(teacher, 'force');
    const gone = r.members.find((m) => m.sub === 'r-2')!;
    expect(gone).to.include({ status: 'Deleted', name: 'Person 02' });
    expect(r.members.find((m) => m.sub === 'r-1')!.status).to.equal('Active');
  });

  it('keeps the last good roster and says why when the platform fails', async () => {
    setMembers(stack.emu, 'roster-fail', [member(1), member(2, ROLE.instructor)]);
    const teacher = await launchOf('r-2', ROLE.instructor, 'roster-fail');
    await c.roster.roster(teacher, 'force');
    const broken: LaunchContext = { ...teacher, nrps: { contextMembershipsUrl: `${stack.emu.url}/nrps/nowhere/../../no-such-service` } };
    const r = await c.roster.roster(broken, 'force');
    expect(r.refreshError).to.be.a('string').and.not.equal('');
    expect(r.members.map((m) => m.sub).sort()).to.deep.equal(['r-1', 'r-2']);
    const sync = await c.roster.roster(teacher, 'never');
    expect(sync.sync!.error).to.equal(r.refreshError);
    expect(sync.sync!.memberCount).to.equal(2);
  });

  it('never mixes courses: each course lists its own people only', async () => {
    setMembers(stack.emu, 'roster-a', [member(1), member(9, ROLE.instructor)]);
    setMembers(stack.emu, 'roster-b', [member(2), member(9, ROLE.instructor)]);
    const a = await launchOf('r-9', ROLE.instructor, 'roster-a');
    const b = await launchOf('r-9', ROLE.instructor, 'roster-b');
    const ra = await c.roster.roster(a, 'force');
    const rb = await c.roster.roster(b, 'force');
    expect(ra.members.map((m) => m.sub).sort()).to.deep.equal(['r-1', 'r-9']);
    expect(rb.members.map((m) => m.sub).sort()).to.deep.equal(['r-2', 'r-9']);
  });

  it('without an NRPS claim, lists the people who launched and does not try the platform', async () => {
    const t = await launchOf('solo-t', ROLE.instructor, 'roster-none', 'Solo Teacher');
    const r = await c.roster.roster({ ...t, nrps: null }, 'force');
    expect(r.available).to.equal(false);
    expect(r.members.map((m) => m.name)).to.deep.equal(['Solo Teacher']);
  });
});
