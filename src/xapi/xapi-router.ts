import { Router } from 'express';
import { xapiProfile } from './profile.js';

/**
 * GET /xapi/profile: the xAPI Profile describing every statement Threadline sends, for LRS admins
 * and profile tooling. Public and the same on every install (it holds no install-specific data).
 */
export function xapiRouter(): Router {
  const r = Router();
  const body = JSON.stringify(xapiProfile(), null, 2);
  r.get('/xapi/profile', (_req, res) => {
    // xAPI Profiles Part Two §2.0: a profile is a JSON-LD document.
    res.type('application/ld+json').set('Cache-Control', 'public, max-age=3600').send(body);
  });
  return r;
}
