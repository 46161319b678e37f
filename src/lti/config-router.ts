import { Router } from 'express';
import { canvasDeveloperKey, commonCartridgeXml } from './tool-configuration.js';

/** Configuration documents an LMS admin pastes or imports for a manual registration. */
export function configRouter(deps: { publicUrl: string }): Router {
  const r = Router();
  const canvas = JSON.stringify(canvasDeveloperKey(deps.publicUrl), null, 2);
  const xml = commonCartridgeXml(deps.publicUrl);

  // Canvas developer key, "Enter URL" / "Paste JSON".
  r.get('/lti/canvas.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(canvas);
  });

  // IMS Common Cartridge basic LTI link (imslticc_v1p0), for "By URL" / XML imports.
  r.get('/lti/config.xml', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('application/xml').send(xml);
  });

  return r;
}
