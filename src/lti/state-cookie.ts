import type { Request, Response } from 'express';

const PREFIX = 'tl_state_';
const MAX_AGE_SECONDS = 600;

/**
 * The cookie that binds an OIDC state to this browser (OIDC Core §3.1.2.1, LTI Security §5.1.1).
 * The form_post arrives cross-site, so the cookie must be SameSite=None; Secure, and Partitioned
 * (CHIPS) so Chromium still sends it inside the LMS iframe. Browsers treat http://localhost as
 * secure, so the same attributes work in local tests. Each login has its own cookie name, so two
 * Threadline frames on one LMS page don't overwrite each other's state.
 */
export function setStateCookie(res: Response, publicUrl: string, state: string, binding: string): void {
  res.append('Set-Cookie', `${PREFIX}${state}=${binding}; Path=/lti; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; ${attributes(publicUrl)}`);
}

export function clearStateCookie(res: Response, publicUrl: string, state: string): void {
  res.append('Set-Cookie', `${PREFIX}${state}=; Path=/lti; Max-Age=0; HttpOnly; ${attributes(publicUrl)}`);
}

export function readStateCookie(req: Request, state: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === `${PREFIX}${state}`) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function attributes(publicUrl: string): string {
  const u = new URL(publicUrl);
  const secureContext = u.protocol === 'https:' || u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  // Plain http on another host can't use Secure cookies; Lax is the best left (works in a new window).
  return secureContext ? 'Secure; SameSite=None; Partitioned' : 'SameSite=Lax';
}
