import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { newId } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { startPrivacyAdminApp } from '../helpers/privacy-admin-app.js';
import { openStoreDb, seedCourses, type StoreDb } from '../helpers/store-course.js';

/**
 * The personal-data admin pages in Chromium at 320 px and in Spanish: found
 * and driven with the keyboard, labelled controls, axe with no serious or critical finding, and
 * nothing wider than the screen.
 */
describe('browser: personal data requests (admin)', function () {
  this.timeout(240_000);
  let s: StoreDb;
  let app: { base: string; close(): Promise<void> };
  let browser: Browser;
  const ann = { id: newId(), sub: 'browser-ann' };

  before(async () => {
    s = await openStoreDb();
    await seedCourses(s.db, 1_800_000_000_000, { courses: ['c'], users: [{ ...ann, name: 'Ann Browser' }] });
    app = await startPrivacyAdminApp(s.db);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await s?.close();
  });

  const overflow = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';

  // axe needs JavaScript in the page; that the pages work without it (plain forms and redirects) is
  // what test/integration/privacy-router.test.ts checks over HTTP.
  it('finds, refuses an unconfirmed erase, then erases, by keyboard, at 320 px, in Spanish', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 700 }, locale: 'es-ES', extraHTTPHeaders: { 'x-test-admin': 'yes', 'accept-language': 'es' } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${app.base}/privacy`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Solicitudes sobre datos personales');
    expect(await axeSerious(page), 'find page').to.deep.equal([]);
    expect(await page.evaluate(overflow), 'find page at 320px').to.equal(0);

    await page.getByLabel('Emisor de la plataforma').fill('https://lms.example');
    await page.getByLabel('Identificador LTI (sub)').fill(ann.sub);
    await page.getByLabel('Identificador LTI (sub)').press('Enter');
    await page.waitForURL(/\/privacy\/users\//);
    expect(await axeSerious(page), 'user page').to.deep.equal([]);
    expect(await page.evaluate(overflow), 'user page at 320px').to.equal(0);

    // Without the box ticked (the browser's `required` aside, as a script-less client could send it).
    await page.getByRole('checkbox').evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Borrar a este usuario' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).to.contain('Marca la casilla de confirmación');
    expect(await axeSerious(page), 'user page with its error').to.deep.equal([]);
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.not.equal(undefined);

    await page.getByLabel('Entiendo que esto borra a la persona').focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Borrar a este usuario' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/privacy/users/${ann.id}$`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Usuario borrado');
    expect(await axeSerious(page), 'erased page').to.deep.equal([]);
    expect(await page.evaluate(overflow), 'erased page at 320px').to.equal(0);
    await screenshot(page, 'privacy-erased-320-es');
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.equal(undefined);
    await context.close();
  });
});
