import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { SCOPES } from '../../src/lti/claims.js';
import { canvasDeveloperKey, commonCartridgeXml, registrationRequest, toolUrls, TOOL_CONFIGURATION_KEY } from '../../src/lti/tool-configuration.js';
import { startTool, type Tool } from '../helpers/stack.js';

describe('tool configuration documents', () => {
  let tool: Tool;
  before(async () => {
    tool = await startTool();
  });
  after(async () => tool.close());

  it('serves the Canvas developer-key JSON with our URLs, scopes and placements', async () => {
    const res = await fetch(`${tool.publicUrl}/lti/canvas.json`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const key = (await res.json()) as ReturnType<typeof canvasDeveloperKey>;
    const u = tool.publicUrl;
    expect(key).to.deep.include({
      title: 'Threadline',
      oidc_initiation_url: `${u}/lti/login`,
      target_link_uri: `${u}/lti/launch`,
      public_jwk_url: `${u}/.well-known/jwks.json`,
    });
    expect(key.description).to.be.a('string').and.not.equal('');
    expect(key.scopes).to.have.members([SCOPES.lineItem, SCOPES.resultReadonly, SCOPES.score, SCOPES.nrps]);
    expect(key.custom_fields).to.be.an('object');
    expect(key.extensions).to.have.length(1);
    const ext = key.extensions[0]!;
    expect(ext).to.deep.include({ platform: 'canvas.instructure.com', privacy_level: 'public', domain: new URL(u).host });
    const placements = Object.fromEntries(ext.settings.placements.map((p) => [p.placement, p]));
    expect(Object.keys(placements)).to.have.members(['link_selection', 'assignment_selection', 'course_navigation']);
    expect(placements.link_selection!.message_type).to.equal('LtiDeepLinkingRequest');
    expect(placements.assignment_selection!.message_type).to.equal('LtiDeepLinkingRequest');
    expect(placements.course_navigation!.message_type).to.equal('LtiResourceLinkRequest');
    for (const p of ext.settings.placements) expect(p.target_link_uri).to.equal(`${u}/lti/launch`);
  });

  it('serves the Common Cartridge basic LTI link XML', async () => {
    const res = await fetch(`${tool.publicUrl}/lti/config.xml`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/xml/);
    const xml = await res.text();
    const u = tool.publicUrl;
    expect(xml).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<cartridge_basiclti_link xmlns="http:\/\/www.imsglobal.org\/xsd\/imslticc_v1p0"/);
    expect(xml).to.contain('<blti:title>Threadline</blti:title>');
    expect(xml).to.match(/<blti:description>[^<]+<\/blti:description>/);
    expect(xml).to.contain(`<blti:launch_url>${u}/lti/launch</blti:launch_url>`);
    expect(xml).to.contain(`<lticm:property name="oidc_initiation_url">${u}/lti/login</lticm:property>`);
    expect(xml).to.contain(`<lticm:property name="target_link_uri">${u}/lti/launch</lticm:property>`);
    expect(xml).to.contain(`<lticm:property name="public_jwk_url">${u}/.well-known/jwks.json</lticm:property>`);
    expect(xml).to.match(/<blti:extensions platform="[^"]+">[\s\S]*<\/blti:extensions>/);
    expect(xml.trimEnd()).to.match(/<\/cartridge_basiclti_link>$/);
  });

  it('ships lti-config.xml in the repository exactly as generated for http://localhost:3000', () => {
    const file = readFileSync(new URL('../../lti-config.xml', import.meta.url), 'utf8');
    expect(file).to.equal(commonCartridgeXml('http://localhost:3000'));
  });

  it('escapes XML special characters in URLs', () => {
    expect(commonCartridgeXml('https://lms.example.org/a&b')).to.contain('https://lms.example.org/a&amp;b/lti/launch');
  });

  it('defines every URL once, from PUBLIC_URL, whatever its trailing slash', () => {
    expect(toolUrls('https://t.example.edu/base/')).to.deep.equal({
      publicUrl: 'https://t.example.edu/base',
      domain: 't.example.edu',
      login: 'https://t.example.edu/base/lti/login',
      launch: 'https://t.example.edu/base/lti/launch',
      jwks: 'https://t.example.edu/base/.well-known/jwks.json',
      logo: 'https://t.example.edu/base/public/logo.svg',
      register: 'https://t.example.edu/base/lti/register',
    });
  });

  it('builds the registration request from what the platform offers', () => {
    const canvas = 'https://canvas.instructure.com/lti/';
    const req = registrationRequest('https://t.example.edu', {
      scopesSupported: ['openid', SCOPES.score, SCOPES.lineItemReadonly, 'https://example.org/other'],
      messagesSupported: new Map([
        ['LtiResourceLinkRequest', [`${canvas}course_navigation`, `${canvas}account_navigation`]],
        ['LtiDeepLinkingRequest', [`${canvas}link_selection`, `${canvas}editor_button`]],
      ]),
    });
    expect(req.scope).to.equal(SCOPES.score);
    const messages = req[TOOL_CONFIGURATION_KEY].messages;
    expect(messages.map((m) => [m.type, m.placements])).to.deep.equal([
      ['LtiResourceLinkRequest', [`${canvas}course_navigation`]],
      ['LtiDeepLinkingRequest', [`${canvas}link_selection`]],
    ]);
  });

  it('serves the logo the registration names', async () => {
    const res = await fetch(`${tool.publicUrl}/public/logo.svg`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^image\/svg\+xml/);
  });
});
