import type { NextFunction, Request, Response } from 'express';

/** Header public/js/live-forms.js sends with a form it posts in the background. */
export const LIVE_HEADER = 'x-threadline-live';

/**
 * Posting, replying and reacting without a full reload, on the same routes the plain forms use.
 * A script-posted form can't see where a 303 points (fetch follows it and drops the #fragment
 * that says which post to show), so for those requests a redirect becomes `200 { location }` and
 * the script fetches and shows that page itself. Everything else (error pages that give back what
 * was typed, 4xx/5xx) is answered exactly as for a plain form. Without the header nothing changes.
 */
export function liveNavigation() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'POST' && req.get(LIVE_HEADER) === '1') {
      res.redirect = ((a: unknown, b?: unknown) => {
        const location = typeof a === 'string' ? a : String(b);
        res.status(200).json({ location });
      }) as Response['redirect'];
    }
    next();
  };
}
