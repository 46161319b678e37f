import { expect } from 'chai';
import { newId } from '../../src/ids.js';
import { startPrivacyAdminApp, TEST_CSRF as CSRF } from '../helpers/privacy-admin-app.js';
import { openStoreDb, seedCourses, type StoreDb } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

/**
 * The router as the admin area will mount it, with stand-in guards (test/helpers/privacy-admin-app.ts):
 * what is tested is that the router applies them and does its own part.
 */
describe(`privacy admin router on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let s: StoreDb;
  let app: { base: string; close(): Promise<void> };
  let base: string;
  const ann = { id: newId(), sub: 'router-ann' };
  const ben = { id: newId(), sub: 'router-ben' };

  before(async () => {
    s = await openStoreDb();
    await seedCourses(s.db, 1_800_000_000_000, { courses: ['c'], users: [{ ...ann, name: 'Ann Router' }, { ...ben, name: 'Ben Router' }] });
    app = await startPrivacyAdminApp(s.db);
    base = app.base;
  });

  after(async () => {
    await app?.close();
    await s?.close();
  });

  const admin = { 'x-test-admin': 'yes' };
  const get = (p: string, headers: Record<string, string> = admin) => fetch(`${base}${p}`, { headers, redirect: 'manual' });
  const post = (p: string, fields: Record<string, string>, headers: Record<string, string> = admin) =>
    fetch(`${base}${p}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });

  it('lets no one but an admin in, for pages and actions alike', async () => {
    for (const r of [await get('/privacy', {}), await get(`/privacy/users/${ann.id}`, {}), await post(`/privacy/users/${ann.id}/export`, { _csrf: CSRF }, {}), await post(`/privacy/users/${ann.id}/erase`, { _csrf: CSRF, confirm: 'yes' }, {})]) {
      expect(r.status).to.equal(403);
    }
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.not.equal(undefined);
  });

  it('finds a user by LMS identity, and says so on the form when nobody matches', async () => {
    const found = await get(`/privacy?issuer=${encodeURIComponent('https://lms.example')}&sub=${ann.sub}`);
    expect(found.status).to.equal(303);
    expect(found.headers.get('location')).to.equal(`/admin/privacy/users/${ann.id}`);
    const none = await get(`/privacy?issuer=${encodeURIComponent('https://lms.example')}&sub=nobody`);
    expect(none.status).to.equal(404);
    const html = await none.text();
    expect(html).to.contain('No user matches').and.contain('<form method="get"').and.contain('value="nobody"');
    const page = await get(`/privacy/users/${ann.id}`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('cache-control')).to.equal('no-store');
    const userPage = await page.text();
    expect(userPage).to.contain(ann.sub).and.contain(`name="_csrf" value="${CSRF}"`).and.contain(`action="/admin/privacy/users/${ann.id}/erase"`);
  });

  it('speaks the admin\'s language', async () => {
    const r = await get('/privacy', { ...admin, 'accept-language': 'es' });
    const html = await r.text();
    expect(html).to.contain('Solicitudes sobre datos personales').and.contain('lang="es"');
    expect(html).not.to.contain('Personal data requests');
  });

  it('downloads the export as a JSON file, by POST with the CSRF token only', async () => {
    expect((await post(`/privacy/users/${ann.id}/export`, {})).status).to.equal(403);
    expect((await get(`/privacy/users/${ann.id}/export`)).status).to.equal(404); // no GET: a link cannot trigger it
    const r = await post(`/privacy/users/${ann.id}/export`, { _csrf: CSRF });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    expect(r.headers.get('content-disposition')).to.equal(`attachment; filename=threadline-user-${ann.id}.json`);
    expect(r.headers.get('cache-control')).to.equal('no-store');
    const doc = (await r.json()) as { user: { id: string; name: string } };
    expect(doc.user).to.deep.include({ id: ann.id, name: 'Ann Router' });
  });

  it('erases only with the CSRF token and the confirmation box, then shows the erasure', async () => {
    expect((await post(`/privacy/users/${ann.id}/erase`, { confirm: 'yes' })).status).to.equal(403);
    const unconfirmed = await post(`/privacy/users/${ann.id}/erase`, { _csrf: CSRF });
    expect(unconfirmed.status).to.equal(400);
    expect(await unconfirmed.text()).to.contain('Tick the confirmation box').and.contain('aria-invalid="true"');
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.not.equal(undefined);

    const done = await post(`/privacy/users/${ann.id}/erase`, { _csrf: CSRF, confirm: 'yes' });
    expect(done.status).to.equal(303);
    expect(done.headers.get('location')).to.equal(`/admin/privacy/users/${ann.id}`);
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.equal(undefined);
    expect(await s.db('users').where({ id: ben.id }).first('id')).to.not.equal(undefined);
    const page = await (await get(`/privacy/users/${ann.id}`)).text();
    expect(page).to.contain('User erased').and.contain('Erased by admin:test').and.not.contain(ann.sub);
    // A second erase is harmless.
    expect((await post(`/privacy/users/${ann.id}/erase`, { _csrf: CSRF, confirm: 'yes' })).status).to.equal(303);
    expect(Number(((await s.db('privacy_erasures').count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n)).to.equal(1);
  });
});
