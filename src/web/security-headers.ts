import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

declare module 'express-serve-static-core' {
  interface Locals {
    frameAncestors?: string[];
  }
}

/**
 * Security headers (helmet). The tool lives in LMS iframes, so framing is allowed only for the
 * origins of registered platforms (CSP frame-ancestors), never X-Frame-Options. Inline scripts
 * run only with the per-request nonce.
 */
export function securityHeaders(frameAncestors: () => Promise<string[]>): RequestHandler[] {
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'https:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'frame-ancestors': ["'self'", (_req, res) => ((res as Response).locals.frameAncestors ?? []).join(' ')],
      },
    },
    frameguard: false,
    // Session tokens travel in URLs; no referrer keeps them on this site.
    referrerPolicy: { policy: 'no-referrer' },
    // The LMS page embeds us cross-origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: { maxAge: 15552000 },
  });
  const prepare = async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.locals.cspNonce = crypto.randomBytes(16).toString('base64');
    res.locals.frameAncestors = await frameAncestors();
    next();
  };
  return [prepare, h];
}

/** Origins allowed to frame us: every registered platform's issuer and auth endpoint. */
export function platformOrigins(urls: string[]): string[] {
  const out = new Set<string>();
  for (const u of urls) {
    try {
      const { origin, hostname } = new URL(u);
      out.add(origin);
      // Canvas issues as canvas.instructure.com but each school's pages live on its own subdomain.
      if (hostname === 'canvas.instructure.com' || hostname.endsWith('.instructure.com')) out.add('https://*.instructure.com');
    } catch {
      /* a malformed URL simply contributes no origin */
    }
  }
  return [...out];
}
