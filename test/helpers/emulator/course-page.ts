import type { Express } from 'express';
import type { PlatformEmulator } from './platform-emulator.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * An LMS course page that embeds the tool in an iframe, as Moodle or Canvas do: the iframe starts
 * at the tool's login initiation URL. With `?storage=1` the page also acts as the platform's
 * storage frame (LTI Client Side postMessages: lti.capabilities, lti.put_data, lti.get_data),
 * answering only the tool's origin.
 */
export function mountCoursePage(app: Express, emu: PlatformEmulator): void {
  app.get('/course/:hint', (req, res) => {
    const storage = req.query.storage === '1';
    const toolOrigin = new URL(emu.toolLaunchUrl).origin;
    const login = new URLSearchParams({
      iss: emu.issuer,
      login_hint: req.params.hint,
      target_link_uri: emu.toolLaunchUrl,
      client_id: emu.clientId,
      lti_deployment_id: emu.deploymentId,
      ...(storage ? { lti_storage_target: '_parent' } : {}),
    });
    const script = storage
      ? `<script>
  const store = new Map();
  const toolOrigin = ${JSON.stringify(toolOrigin)};
  window.storageLog = [];
  window.addEventListener('message', (ev) => {
    if (ev.origin !== toolOrigin) return;
    const d = ev.data || {};
    window.storageLog.push(d.subject);
    const reply = (m) => ev.source.postMessage(Object.assign({ message_id: d.message_id }, m), ev.origin);
    if (d.subject === 'lti.capabilities') reply({ subject: 'lti.capabilities.response', supported_messages: [{ subject: 'lti.put_data' }, { subject: 'lti.get_data' }] });
    else if (d.subject === 'lti.put_data') { store.set(d.key, d.value); reply({ subject: 'lti.put_data.response', key: d.key, value: d.value }); }
    else if (d.subject === 'lti.get_data') {
      if (store.has(d.key)) reply({ subject: 'lti.get_data.response', key: d.key, value: store.get(d.key) });
      else reply({ subject: 'lti.get_data.response', key: d.key, error: { code: 'key_not_found', message: 'no such key' } });
    }
  });
</script>`
      : '';
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course page</title></head><body>
<h1>Course One</h1>
${script}
<iframe id="tool" title="Threadline" name="tool" width="900" height="700" src="${esc(`${emu.toolLaunchUrl.replace(/\/lti\/launch$/, '/lti/login')}?${login}`)}"></iframe>
</body></html>`);
  });
}
