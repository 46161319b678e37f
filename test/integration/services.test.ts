import { expect } from 'chai';
import { fixedClock, systemClock } from '../../src/clock.js';
import type { Container } from '../../src/container.js';
import type { HttpFetch } from '../../src/http-client.js';
import { sha256 } from '../../src/ids.js';
import { createAgsClient, SCORE_MEDIA_TYPE, scoresUrl } from '../../src/lti/ags-client.js';
import { SCOPES } from '../../src/lti/claims.js';
import { createNrpsClient, NRPS_MEDIA_TYPE } from '../../src/lti/nrps-client.js';
import type { Platform } from '../../src/lti/platform-store.js';
import { ServiceTokens } from '../../src/lti/service-token.js';
import { ForbiddenError, UpstreamError } from '../../src/web/errors.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import {
  addLineItem,
  configureServices,
  lineItemsOf,
  lineItemsUrl,
  MEDIA,
  membershipsUrl,
  resetServices,
  revokeTokens,
  services,
  setMembers,
  type EmulatorMember,
} from '../helpers/emulator/services.js';
import { failure } from '../helpers/launch-fixtures.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';


const member = (i: number, role: string = ROLE.learner): EmulatorMember => ({
  user_id: `user-${i}`,
  roles: [role],
  name: `User ${i}`,
  given_name: 'User',
  family_name: String(i),
  email: `user${i}@example.edu`,
});

describe('LTI Advantage services against the platform emulator', () => {
  let stack: Stack;
  let c: Container;
  let platform: Platform;

  before(async () => {
    stack = await startStack();
    c = stack.tool.container;
    platform = (await c.platforms.findByIssuerAndClient(stack.emu.issuer, stack.emu.clientId))!;
  });
  beforeEach(() => {
    resetServices(stack.emu);
    c.serviceTokens.forget(platform.id);
  });
  after(async () => stack.close());

  /** A token client on its own cache, optionally with a spy or stand-in for fetch. */
  const freshTokens = (opts: { fetch?: HttpFetch; clock?: ReturnType<typeof fixedClock> } = {}) =>
    new ServiceTokens({ keys: c.keys, clock: opts.clock ?? systemClock, fetch: opts.fetch ?? c.fetch });

  describe('access tokens (Security Framework §4.1)', () => {
    it('signs a client assertion the platform verifies against the tool JWKS, and caches the token', async () => {
      const emu = services(stack.emu);
      const first = await c.serviceTokens.token(platform, [SCOPES.nrps]);
      expect(emu.tokenRequests).to.have.length(1);
      const req = emu.tokenRequests[0]!;
      expect(req.ok, req.error).to.equal(true);
      expect(req.userAgent).to.match(/^Threadline\//);
      expect(req.header).to.include({ alg: 'RS256', kid: (await c.keys.signingKey()).kid });
      expect(req.claims).to.include({ iss: stack.emu.clientId, sub: stack.emu.clientId, aud: stack.emu.tokenEndpoint });
      expect(req.claims!.exp! - req.claims!.iat!).to.be.within(60, 300);
      expect(req.claims!.jti).to.be.a('string').with.length.above(15);

      const again = await c.serviceTokens.token(platform, [SCOPES.nrps]);
      expect(again.accessToken).to.equal(first.accessToken);
      expect(emu.tokenRequests).to.have.length(1);

      // The same scope set in another order (or repeated) shares the entry; another set does not.
      const ags1 = await c.serviceTokens.token(platform, [SCOPES.score, SCOPES.lineItem]);
      const ags2 = await c.serviceTokens.token(platform, [SCOPES.lineItem, SCOPES.score, SCOPES.lineItem]);
      expect(ags2.accessToken).to.equal(ags1.accessToken);
      expect(ags1.accessToken).not.to.equal(first.accessToken);
      expect(emu.tokenRequests).to.have.length(2);
      expect(emu.tokenRequests[1]!.scopes).to.deep.equal([SCOPES.lineItem, SCOPES.score]);
      expect(await c.serviceTokens.authorization(platform, [SCOPES.nrps])).to.equal(`Bearer ${first.accessToken}`);
    });

    it('shares one token request among concurrent callers', async () => {
      const tokens = await Promise.all(Array.from({ length: 5 }, () => c.serviceTokens.token(platform, [SCOPES.resultReadonly])));
      expect(new Set(tokens.map((t) => t.accessToken)).size).to.equal(1);
      expect(services(stack.emu).tokenRequests).to.have.length(1);
    });

    it('uses a new jti for every assertion, and the platform refuses a replayed one', async () => {
      const bodies: string[] = [];
      const spy: HttpFetch = async (input, init) => {
        if (String(input) === stack.emu.tokenEndpoint) bodies.push(String(init?.body));
        return c.fetch(input, init);
      };
      const tokens = freshTokens({ fetch: spy });
      for (const scope of [SCOPES.nrps, SCOPES.score, SCOPES.lineItem]) await tokens.token(platform, [scope]);
      const jtis = services(stack.emu).tokenRequests.map((r) => r.claims?.jti);
      expect(new Set(jtis).size).to.equal(3);

      const replay = await fetch(stack.emu.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'replayer' },
        body: bodies[0],
      });
      expect(replay.status).to.equal(400);
      expect(await replay.json()).to.include({ error: 'invalid_grant' });
    });

    it('renews a token shortly before the platform says it expires', async () => {
      configureServices(stack.emu, { expiresIn: 4 });
      const clock = fixedClock(Date.now());
      const tokens = freshTokens({ clock });
      const first = await tokens.token(platform, [SCOPES.nrps]);
      clock.advance(1_000);
      expect((await tokens.token(platform, [SCOPES.nrps])).accessToken).to.equal(first.accessToken);
      clock.advance(1_500); // past the renewal point (half of a short lifetime)
      expect((await tokens.token(platform, [SCOPES.nrps])).accessToken).not.to.equal(first.accessToken);
      expect(services(stack.emu).tokenRequests).to.have.length(2);
    });

    it("Brightspace: puts the platform's token audience in the assertion", async () => {
      const audience = 'https://auth.brightspace.example/core/token-audience';
      configureServices(stack.emu, { audience });
      try {
        const unset = await c.platforms.upsert({ ...platform, productFamily: 'desire2learn', tokenAudience: null }, Date.now());
        const refused = await failure(c.serviceTokens.token(unset, [SCOPES.nrps]));
        expect(refused).to.be.instanceOf(UpstreamError);
        expect(refused.code).to.equal('service_token_refused');
        expect(refused.message).to.contain('invalid_client');
        expect(refused.hint).to.contain('Brightspace expects its own token audience');

        const brightspace = await c.platforms.upsert({ ...platform, productFamily: 'desire2learn', tokenAudience: audience }, Date.now());
        await c.serviceTokens.token(brightspace, [SCOPES.nrps]);
        const last = services(stack.emu).tokenRequests.at(-1)!;
        expect(last.ok, last.error).to.equal(true);
        expect(last.claims!.aud).to.equal(audience);
      } finally {
        await c.platforms.upsert({ ...platform }, Date.now());
      }
    });

    it("turns the platform's refusal into a clear UpstreamError", async () => {
      configureServices(stack.emu, { tokenError: { status: 401, body: { error: 'invalid_client', error_description: 'Unknown client threadline-test-client' } } });
      const err = await failure(c.serviceTokens.token(platform, [SCOPES.nrps]));
      expect(err).to.be.instanceOf(UpstreamError);
      expect(err.status).to.equal(502);
      expect(err.message).to.contain('refused an access token (HTTP 401): invalid_client (Unknown client threadline-test-client)');

      configureServices(stack.emu, { tokenError: null, allowedScopes: [SCOPES.score] });
      const scopeErr = await failure(c.serviceTokens.token(platform, [SCOPES.nrps]));
      expect(scopeErr.message).to.contain('invalid_scope');
      expect(scopeErr.hint).to.contain('Enable');
    });

    it('never puts the token or the assertion in an error', async () => {
      let assertion = '';
      const fake = (answer: (assertion: string) => { status: number; body: unknown }): HttpFetch =>
        async (_input, init) => {
          assertion = new URLSearchParams(String(init?.body)).get('client_assertion') ?? '';
          const a = answer(assertion);
          return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
        };
      const macToken = await failure(freshTokens({ fetch: fake(() => ({ status: 200, body: { access_token: 'SECRET-TOKEN-1', token_type: 'mac' } })) }).token(platform, [SCOPES.nrps]));
      expect(macToken.message).not.to.contain('SECRET-TOKEN-1');
      expect(macToken.message).to.contain('only Bearer');
      const noToken = await failure(freshTokens({ fetch: fake(() => ({ status: 200, body: { token: 'SECRET-TOKEN-2', token_type: 'Bearer' } })) }).token(platform, [SCOPES.nrps]));
      expect(noToken.message).not.to.contain('SECRET-TOKEN-2');
      const echoed = await failure(
        freshTokens({ fetch: fake((a) => ({ status: 400, body: { error: 'invalid_grant', error_description: `bad assertion ${a}` } })) }).token(platform, [SCOPES.nrps]),
      );
      expect(assertion).to.have.length.above(100);
      expect(echoed.message).to.contain('invalid_grant').and.not.contain(assertion);
    });

    it('fetches a fresh token once when the platform dropped the cached one', async () => {
      setMembers(stack.emu, 'course-revoked', [member(1)]);
      await c.nrps.members(platform, membershipsUrl(stack.emu, 'course-revoked'));
      revokeTokens(stack.emu);
      const m = await c.nrps.members(platform, membershipsUrl(stack.emu, 'course-revoked'));
      expect(m.members).to.have.length(1);
      expect(services(stack.emu).tokenRequests).to.have.length(2);
    });

    it('refuses to call the services of a disabled platform', async () => {
      const err = await failure(c.serviceTokens.token({ ...platform, status: 'disabled' }, [SCOPES.nrps]));
      expect(err).to.be.instanceOf(ForbiddenError);
      expect(services(stack.emu).tokenRequests).to.have.length(0);
    });
  });

  describe('Names and Role Provisioning Services 2.0', () => {
    it('reads every member across several pages exactly once', async () => {
      const roster = [...Array.from({ length: 20 }, (_, i) => member(i)), member(20, ROLE.instructor), member(21, ROLE.instructor), member(22, ROLE.ta)];
      setMembers(stack.emu, 'course-big', roster, { label: 'BIG', title: 'Big course' });
      const m = await c.nrps.members(platform, membershipsUrl(stack.emu, 'course-big'), { limit: 5 });
      expect(m.pages).to.equal(5);
      expect(m.members.map((x) => x.userId)).to.deep.equal(roster.map((x) => x.user_id));
      expect(m.context).to.deep.equal({ id: 'course-big', label: 'BIG', title: 'Big course' });
      expect(m.members[3]).to.deep.equal({
        userId: 'user-3',
        status: 'Active',
        roles: [ROLE.learner],
        name: 'User 3',
        givenName: 'User',
        familyName: '3',
        email: 'user3@example.edu',
        picture: null,
        lisPersonSourcedId: null,
      });
      expect(m.differencesUrl).to.match(/\/memberships\?since=/);
      const calls = services(stack.emu).serviceRequests;
      expect(calls).to.have.length(5);
      for (const call of calls) {
        expect(call.accept).to.equal(NRPS_MEDIA_TYPE);
        expect(call.authorization).to.equal('Bearer …');
      }
      expect(services(stack.emu).tokenRequests).to.have.length(1);
    });

    it('passes the role filter to the platform', async () => {
      setMembers(stack.emu, 'course-roles', [member(1), member(2, ROLE.instructor), member(3)]);
      const m = await c.nrps.members(platform, membershipsUrl(stack.emu, 'course-roles'), { role: ROLE.instructor, rlid: 'link-1' });
      expect(m.members.map((x) => x.userId)).to.deep.equal(['user-2']);
      expect(services(stack.emu).serviceRequests[0]!.path).to.contain('rlid=link-1');
    });

    it('reads the roster of the context named by a real launch', async () => {
      setMembers(stack.emu, 'course-launch', [member(1), member(2, ROLE.instructor)]);
      const r = await launch(stack, { sub: 'user-2', roles: [ROLE.instructor], contextId: 'course-launch' });
      const session = await c.sessions.get(sha256(r.sessionToken!));
      const url = session!.launch.nrps!.contextMembershipsUrl;
      const m = await c.nrps.members(platform, url);
      expect(m.members.map((x) => x.userId)).to.deep.equal(['user-1', 'user-2']);
    });

    describe('paging guards', () => {
      const host = 'https://lms.example';
      /** Token requests go to the emulator; the membership pages are scripted. */
      const scripted = (pages: Record<string, string | null>): HttpFetch =>
        async (input, init) => {
          const url = String(input);
          if (!url.startsWith(host)) return c.fetch(input, init);
          const next = pages[url];
          const headers = new Headers({ 'content-type': NRPS_MEDIA_TYPE });
          if (next) headers.set('link', next);
          return new Response(JSON.stringify({ id: url, context: { id: 'c' }, members: [{ user_id: url, roles: [] }] }), { status: 200, headers });
        };

      it('stops with an error when the pages loop', async () => {
        const nrps = createNrpsClient(freshTokens({ fetch: scripted({ [`${host}/m`]: `<${host}/m?p=2>; rel="next"`, [`${host}/m?p=2`]: `</m>; rel=next` }) }));
        const err = await failure(nrps.members(platform, `${host}/m`));
        expect(err.code).to.equal('service_paging_loop');
      });

      it('refuses to send the token to another server', async () => {
        const nrps = createNrpsClient(freshTokens({ fetch: scripted({ [`${host}/m`]: '<https://elsewhere.example/m?p=2>; rel="next"' }) }));
        const err = await failure(nrps.members(platform, `${host}/m`));
        expect(err.code).to.equal('service_bad_next_link');
      });

      it('stops after the maximum number of pages', async () => {
        const pages: Record<string, string> = {};
        for (let i = 1; i <= 10; i++) pages[i === 1 ? `${host}/m` : `${host}/m?p=${i}`] = `<${host}/m?p=${i + 1}>; rel="next"`;
        const nrps = createNrpsClient(freshTokens({ fetch: scripted(pages) }));
        const err = await failure(nrps.members(platform, `${host}/m`, { maxPages: 3 }));
        expect(err.code).to.equal('service_too_many_pages');
      });

      it('skips members without a user_id and de-duplicates those repeated across pages', async () => {
        const fetchPages: HttpFetch = async (input, init) => {
          const url = String(input);
          if (!url.startsWith(host)) return c.fetch(input, init);
          const page2 = url.includes('p=2');
          const members = page2 ? [{ user_id: 'b', roles: [] }, { user_id: 'c', status: 'Inactive' }] : [{ user_id: 'a' }, { user_id: 'b' }, { name: 'no id' }];
          const headers = new Headers(page2 ? {} : { link: `<${host}/m?p=2>; rel="next"` });
          return new Response(JSON.stringify({ context: { id: 'c' }, members }), { status: 200, headers });
        };
        const m = await createNrpsClient(freshTokens({ fetch: fetchPages })).members(platform, `${host}/m`);
        expect(m.members.map((x) => `${x.userId}:${x.status}`)).to.deep.equal(['a:Active', 'b:Active', 'c:Inactive']);
        expect(m.skipped).to.equal(1);
      });
    });

    it('says clearly when the platform did not grant the membership scope', async () => {
      configureServices(stack.emu, { allowedScopes: [SCOPES.score] });
      const err = await failure(c.nrps.members(platform, membershipsUrl(stack.emu, 'course-1')));
      expect(err).to.be.instanceOf(UpstreamError);
      expect(err.message).to.contain('invalid_scope');
    });
  });

  describe('Assignment and Grade Services 2.0', () => {
    const fullScope = [SCOPES.lineItem, SCOPES.resultReadonly, SCOPES.score];

    it("uses the launch's own line item without asking the platform", async () => {
      const ref = await c.ags.findOrCreateLineItem(platform, { scope: [SCOPES.score], lineItem: 'https://lms.example/li/9' }, 'rl-x', { label: 'X', scoreMaximum: 1 });
      expect(ref).to.deep.equal({ url: 'https://lms.example/li/9', source: 'launch', lineItem: null });
      expect(services(stack.emu).serviceRequests).to.have.length(0);
    });

    it('finds the existing line item of a resource link, across pages', async () => {
      configureServices(stack.emu, { pageSize: 2 });
      for (let i = 0; i < 4; i++) addLineItem(stack.emu, 'course-ags', { label: `Other ${i}`, scoreMaximum: 10, resourceLinkId: `rl-other-${i}` });
      addLineItem(stack.emu, 'course-ags', { label: 'Same link, other tag', scoreMaximum: 10, resourceLinkId: 'rl-found', tag: 'other' });
      const wanted = addLineItem(stack.emu, 'course-ags', { label: 'Prep', scoreMaximum: 10, resourceLinkId: 'rl-found', tag: 'prep' });
      const before = lineItemsOf(stack.emu, 'course-ags').length;

      const ref = await c.ags.findOrCreateLineItem(platform, { scope: fullScope, lineItems: lineItemsUrl(stack.emu, 'course-ags') }, 'rl-found', { label: 'Prep', scoreMaximum: 10, tag: 'prep' });
      expect(ref.source).to.equal('found');
      expect(ref.url).to.equal(wanted.id);
      expect(ref.lineItem).to.include({ label: 'Prep', scoreMaximum: 10, resourceLinkId: 'rl-found', tag: 'prep' });
      expect(lineItemsOf(stack.emu, 'course-ags')).to.have.length(before);
      const calls = services(stack.emu).serviceRequests;
      expect(calls.every((r) => r.method === 'GET' && r.accept === MEDIA.lineItemContainer)).to.equal(true);
      expect(calls[0]!.path).to.contain('resource_link_id=rl-found').and.contain('tag=prep');
    });

    it('creates a line item when the resource link has none, once even when asked concurrently', async () => {
      const ags = { scope: fullScope, lineItems: lineItemsUrl(stack.emu, 'course-new') };
      const spec = { label: 'Week 2 reflection', scoreMaximum: 5, tag: 'reflection', resourceId: 'space-42' };
      const refs = await Promise.all([1, 2, 3].map(() => c.ags.findOrCreateLineItem(platform, ags, 'rl-new', spec)));
      expect(refs.map((r) => r.source)).to.deep.equal(['created', 'created', 'created']);
      const items = lineItemsOf(stack.emu, 'course-new');
      expect(items).to.have.length(1);
      expect(items[0]).to.deep.equal({ id: refs[0]!.url, label: 'Week 2 reflection', scoreMaximum: 5, resourceLinkId: 'rl-new', resourceId: 'space-42', tag: 'reflection' });
      const post = services(stack.emu).serviceRequests.find((r) => r.method === 'POST')!;
      expect(post.contentType).to.equal(MEDIA.lineItem);

      const again = await c.ags.findOrCreateLineItem(platform, ags, 'rl-new', spec);
      expect(again).to.include({ source: 'found', url: refs[0]!.url });
    });

    it('posts a score that arrives with the right values and media type', async () => {
      const item = addLineItem(stack.emu, 'course-score', { label: 'Prep', scoreMaximum: 10, resourceLinkId: 'rl-score' });
      const at = Date.UTC(2025, 2, 4, 9, 30, 15, 120);
      await c.ags.postScore(platform, item.id, { userId: 'learner-1', scoreGiven: 7.5, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: at, comment: 'Thoughtful prep.' }, { scope: fullScope });
      const [score] = services(stack.emu).scores;
      expect(score).to.deep.include({ lineItemId: item.id, contentType: SCORE_MEDIA_TYPE, authorization: 'Bearer …', query: '' });
      expect(score!.body).to.deep.equal({
        userId: 'learner-1',
        scoreGiven: 7.5,
        scoreMaximum: 10,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: '2025-03-04T09:30:15.120Z',
        comment: 'Thoughtful prep.',
      });
    });

    it('puts /scores before the query string of a line item URL', async () => {
      expect(scoresUrl('https://moodle.example/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1')).to.equal('https://moodle.example/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1');
      expect(scoresUrl('https://lms.example/li/5/')).to.equal('https://lms.example/li/5/scores');
      const item = addLineItem(stack.emu, 'course-query', { label: 'Q', scoreMaximum: 1 });
      await c.ags.postScore(platform, `${item.id}?type_id=3`, { userId: 'u', activityProgress: 'Started', gradingProgress: 'NotReady' });
      const [score] = services(stack.emu).scores;
      expect(score!.query).to.equal('?type_id=3');
      expect(score!.body).not.to.have.property('scoreGiven');
      expect(score!.body.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('says clearly when the platform did not grant a scope', async () => {
      const readOnly = { scope: [SCOPES.lineItemReadonly, SCOPES.score], lineItems: lineItemsUrl(stack.emu, 'course-ro') };
      const noCreate = await failure(c.ags.findOrCreateLineItem(platform, readOnly, 'rl-ro', { label: 'RO', scoreMaximum: 1 }));
      expect(noCreate).to.be.instanceOf(ForbiddenError);
      expect(noCreate.code).to.equal('ags_scope_missing');
      expect(noCreate.message).to.contain('create a gradebook column').and.contain(SCOPES.lineItem);
      // Nothing below reaches the platform: the claim alone shows what is missing.
      const tokenRequests = services(stack.emu).tokenRequests.length;

      const noScore = await failure(c.ags.postScore(platform, `${lineItemsUrl(stack.emu, 'course-ro')}/1`, { userId: 'u', activityProgress: 'Completed', gradingProgress: 'FullyGraded' }, { scope: [SCOPES.lineItem] }));
      expect(noScore.code).to.equal('ags_scope_missing');
      expect(noScore.message).to.contain(SCOPES.score);

      const noRead = await failure(c.ags.findOrCreateLineItem(platform, { scope: [SCOPES.score], lineItems: lineItemsUrl(stack.emu, 'course-ro') }, 'rl-ro', { label: 'RO', scoreMaximum: 1 }));
      expect(noRead.message).to.contain('read its gradebook columns');

      const noService = await failure(c.ags.findOrCreateLineItem(platform, { scope: fullScope }, 'rl-ro', { label: 'RO', scoreMaximum: 1 }));
      expect(noService.code).to.equal('ags_unavailable');
      expect(services(stack.emu).tokenRequests).to.have.length(tokenRequests);
      expect(services(stack.emu).serviceRequests.filter((r) => r.method === 'POST')).to.have.length(0);
    });

    it('rejects a malformed score before sending it, and reports a refused one', async () => {
      const bad = await failure(c.ags.postScore(platform, 'https://lms.example/li/1', { userId: 'u', scoreGiven: 3, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }));
      expect(bad.code).to.equal('ags_bad_score');
      const item = addLineItem(stack.emu, 'course-over', { label: 'O', scoreMaximum: 10 });
      const refused = await failure(c.ags.postScore(platform, item.id, { userId: 'u', scoreGiven: 11, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }));
      expect(refused).to.be.instanceOf(UpstreamError);
      expect(refused.message).to.contain('HTTP 400');
    });

    it('grades a learner from a real launch: line item for the link, then their score', async () => {
      const r = await launch(stack, { sub: 'learner-7', contextId: 'course-graded', resourceLinkId: 'rl-graded' });
      const { launch: ctx } = (await c.sessions.get(sha256(r.sessionToken!)))!;
      const ags = createAgsClient(c.serviceTokens, c.clock);
      const ref = await ags.findOrCreateLineItem(platform, ctx.ags!, ctx.resourceLink!.resourceLinkId, { label: 'Week 1 prep', scoreMaximum: 1 });
      expect(ref.source).to.equal('created');
      await ags.postScore(platform, ref.url, { userId: ctx.user!.sub, scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }, ctx.ags!);
      const [score] = services(stack.emu).scores;
      expect(score).to.deep.include({ contextId: 'course-graded', lineItemId: ref.url });
      expect(score!.body).to.include({ userId: 'learner-7', scoreGiven: 1 });
    });
  });
});
