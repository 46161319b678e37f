import type { NextFunction, Request, Response } from 'express';
import { counter, LOCALES, type CatalogueLocale, type I18n, type Translate } from '../i18n/i18n.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Translate with the catalogue of this request's language (views pass it a `namespace:key`). */
    t: Translate;
    /** That language, for `<html lang>`. */
    lang: CatalogueLocale;
    /** A counted phrase: `count('thread:replies', 3)` → "3 replies" / "3 respuestas". */
    count: (key: string, n: number) => string;
  }
}

/**
 * Gives every page `t` and `lang`. The language is the launch's (launch_presentation.locale) once a
 * session is known, else the browser's Accept-Language (login errors, the home page). Read lazily,
 * when the page renders, because the session middleware runs after this one.
 */
export function localize(i18n: I18n) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const tag = (): string => res.locals.launch?.locale ?? (req.acceptsLanguages(...LOCALES) || 'en');
    Object.defineProperties(res.locals, {
      t: { get: () => i18n.translator(tag()), enumerable: true, configurable: true },
      lang: { get: () => i18n.localeOf(tag()), enumerable: true, configurable: true },
      count: { get: () => counter(i18n.translator(tag()) as never, i18n.localeOf(tag())), enumerable: true, configurable: true },
    });
    next();
  };
}
