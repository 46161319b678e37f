import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import { parseForm, type TestBrowser } from '../helpers/test-browser.js';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

describe('Deep Linking 2.0', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.close());

  async function openPicker(spec: Parameters<typeof launch>[1] = {}) {
    const r = await launch(stack, { sub: 'teacher-dl', roles: [ROLE.instructor], messageType: 'LtiDeepLinkingRequest', ...spec });
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const picker = await r.browser.get(`${stack.tool.publicUrl}${r.response.headers.get('location')}`);
    return { browser: r.browser, picker };
  }

  async function submit(browser: TestBrowser, pickerHtml: string, fields: Record<string, string>) {
    const form = parseForm(pickerHtml);
    return browser.request(`${stack.tool.publicUrl}${form.action}`, { form: { ...form.fields, ...fields } });
  }

  async function verifyResponse(jwt: string) {
    const jwks = createRemoteJWKSet(new URL(`${stack.tool.publicUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: stack.emu.clientId, audience: stack.emu.issuer, algorithms: ['RS256'] });
    expect(protectedHeader.kid).to.be.a('string');
    return payload as Record<string, unknown>;
  }

  it('shows an instructor the picker for a prep space or a post-event discussion', async () => {
    const { picker } = await openPicker();
    expect(picker.status).to.equal(200);
    expect(picker.body).to.contain('value="prep"');
    expect(picker.body).to.contain('value="post_event"');
    expect(picker.body).to.contain('name="time_zone"');
  });

  it('returns a signed LtiDeepLinkingResponse that launches straight into the new space', async () => {
    const { browser, picker } = await openPicker();
    const res = await submit(browser, picker.body, { kind: 'prep', title: 'Negotiation skills: prep', event_date: '2027-03-04', event_time: '09:30', time_zone: 'Europe/Berlin' });
    expect(res.status).to.equal(200);
    const back = parseForm(res.body);
    expect(back.action).to.equal(stack.emu.deepLinkReturnUrl);
    await browser.request(back.action, { form: back.fields });
    const jwt = stack.emu.deepLinkReturns.at(-1)!.jwt;
    expect(decodeProtectedHeader(jwt).alg).to.equal('RS256');
    const p = await verifyResponse(jwt);
    expect(p[`${LTI}message_type`]).to.equal('LtiDeepLinkingResponse');
    expect(p[`${LTI}version`]).to.equal('1.3.0');
    expect(p[`${LTI}deployment_id`]).to.equal(stack.emu.deploymentId);
    expect(p.nonce).to.be.a('string');
    expect(p[`${DL}data`]).to.equal('opaque-platform-data');
    const items = p[`${DL}content_items`] as Array<Record<string, unknown>>;
    expect(items).to.have.length(1);
    const item = items[0]!;
    expect(item).to.include({ type: 'ltiResourceLink', title: 'Negotiation skills: prep', url: `${stack.tool.publicUrl}/lti/launch` });
    expect(item.iframe).to.deep.equal({});
    const spaceId = (item.custom as Record<string, string>).threadline_space!;

    const space = await stack.tool.container.db('spaces').where({ id: spaceId }).first();
    expect(space.kind).to.equal('prep');
    // 09:30 in Berlin on 4 March 2027 (CET, UTC+1) is 08:30 UTC.
    expect(Number(space.event_at)).to.equal(Date.UTC(2027, 2, 4, 8, 30));
    expect(space.time_zone).to.equal('Europe/Berlin');

    // The platform turns the item into a link; its first launch carries the custom parameter.
    const learner = await launch(stack, { sub: 'learner-dl', roles: [ROLE.learner], resourceLinkId: 'new-link-1', custom: item.custom as Record<string, string> });
    const landed = await learner.browser.get(`${stack.tool.publicUrl}${learner.response.headers.get('location')}`);
    expect(landed.status).to.equal(200);
    expect(landed.body).to.contain('Negotiation skills: prep');
    const bound = await stack.tool.container.db('spaces').where({ id: spaceId }).first();
    expect(bound.resource_link_id).to.be.a('string');
  });

  it('does not let a link in another course claim the space', async () => {
    const { browser, picker } = await openPicker();
    const res = await submit(browser, picker.body, { kind: 'post_event', title: 'Debrief', time_zone: 'UTC' });
    const back = parseForm(res.body);
    await browser.request(back.action, { form: back.fields });
    const p = await verifyResponse(stack.emu.deepLinkReturns.at(-1)!.jwt);
    const custom = ((p[`${DL}content_items`] as Array<Record<string, unknown>>)[0]!.custom) as Record<string, string>;
    const other = await launch(stack, { sub: 'teacher-other', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'other-link', custom });
    const page = await other.browser.get(`${stack.tool.publicUrl}${other.response.headers.get('location')}`);
    expect(page.body).not.to.contain('Debrief');
    expect(page.body).to.contain('Set up this Threadline link');
  });

  it('echoes data, respects accept_multiple "false" and a window-only presentation', async () => {
    const { browser, picker } = await openPicker({ deepLinking: { acceptMultiple: 'false', acceptTargets: ['window'], data: 'csrf-ish-123' } });
    const res = await submit(browser, picker.body, { kind: 'prep', title: 'W', time_zone: 'UTC' });
    const back = parseForm(res.body);
    await browser.request(back.action, { form: back.fields });
    const p = await verifyResponse(stack.emu.deepLinkReturns.at(-1)!.jwt);
    expect(p[`${DL}data`]).to.equal('csrf-ish-123');
    const items = p[`${DL}content_items`] as Array<Record<string, unknown>>;
    expect(items).to.have.length(1);
    expect(items[0]!.window).to.deep.equal({ targetName: '_blank' });
    expect(items[0]!.iframe).to.equal(undefined);
  });

  it('returns an empty response when the instructor cancels', async () => {
    const { browser, picker } = await openPicker();
    const res = await submit(browser, picker.body, { cancel: '1' });
    const back = parseForm(res.body);
    await browser.request(back.action, { form: back.fields });
    const p = await verifyResponse(stack.emu.deepLinkReturns.at(-1)!.jwt);
    expect(p[`${DL}content_items`]).to.deep.equal([]);
  });

  it('keeps what was typed and says what is wrong on invalid input', async () => {
    const { browser, picker } = await openPicker();
    const res = await submit(browser, picker.body, { kind: 'prep', title: 'Kept title', event_date: '2027-02-30', time_zone: 'UTC' });
    expect(res.status).to.equal(400);
    expect(res.body).to.contain('value="Kept title"');
    expect(res.body).to.contain('That date does not exist');
  });

  it('refuses a picker post without the CSRF token, and learners', async () => {
    const { browser, picker } = await openPicker();
    const noCsrf = await submit(browser, picker.body, { _csrf: 'wrong', kind: 'prep', title: 'x', time_zone: 'UTC' });
    expect(noCsrf.status).to.equal(403);
    expect(noCsrf.body).to.contain('csrf_invalid');
    const learner = await launch(stack, { sub: 'learner-x', roles: [ROLE.learner], messageType: 'LtiDeepLinkingRequest' });
    const page = await learner.browser.get(`${stack.tool.publicUrl}${learner.response.headers.get('location')}`);
    expect(page.status).to.equal(403);
  });

  it('says so when the platform does not accept resource links here', async () => {
    const { picker } = await openPicker({ deepLinking: { acceptTypes: ['file'] } });
    expect(picker.body).to.contain('does not accept LTI resource links');
  });
});
