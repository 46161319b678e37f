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
  // The LMS admin page that opens the tool's Dynamic Registration URL in an iframe and waits for
  // {subject: 'org.imsglobal.lti.close'} (Dynamic Registration §3.6).
  app.get('/admin/register', (req, res) => {
    const toolRegister = String(req.query.tool ?? '');
    const url = `${toolRegister}?${new URLSearchParams({ openid_configuration: `${emu.url}/.well-known/openid-configuration`, registration_token: String(req.query.token ?? '') })}`;
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Register a tool</title></head><body>
<h1>Register an LTI Advantage tool</h1>
<script>
  window.closeMessages = [];
  window.addEventListener('message', (ev) => { if (ev.data && ev.data.subject === 'org.imsglobal.lti.close') { window.closeMessages.push({ origin: ev.origin, data: ev.data }); } });
</script>
<iframe id="reg" title="Tool registration" width="800" height="600" src="${esc(url)}"></iframe>
</body></html>`);
  });

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
