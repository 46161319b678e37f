import { expect } from 'chai';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** Pages speak the launch's language (launch_presentation.locale) when we ship it, else English. */
describe('pages in the launch locale (e2e)', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack?.close());

  async function landingPage(locale: string): Promise<string> {
    // A learner on a link nobody has set up yet lands on the "not open yet" page.
    const r = await launch(stack, { sub: `loc-${locale}`, name: 'Lu Learner', roles: [ROLE.learner], resourceLinkId: 'locale-link', locale });
    expect(r.response.status).to.equal(303);
    const page = await r.browser.request(new URL(r.response.headers.get('location')!, stack.tool.publicUrl).href);
    expect(page.status).to.equal(200);
    return page.body;
  }

  it('speaks Spanish to a Spanish launch, however the platform spells the tag', async () => {
    for (const tag of ['es', 'es-MX', 'es_ES']) {
      const html = await landingPage(tag);
      expect(html, tag).to.contain('<html lang="es">');
      expect(html, tag).to.contain('Todavía no está abierto');
      expect(html, tag).to.contain('Saltar al contenido');
      expect(html, tag).not.to.contain('Not open yet');
    }
  });

  it('falls back to English for a language it does not ship', async () => {
    const html = await landingPage('de-DE');
    expect(html).to.contain('<html lang="en">');
    expect(html).to.contain('Not open yet');
  });
});
