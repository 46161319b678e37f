import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';

/**
 * The message catalogue. Text lives in `locales/<language>/<namespace>.json`, one namespace per
 * domain (`common`, `discussion`, `spaces`, …), so a feature's words sit in one file beside its
 * translation; a key names its namespace: `discussion:reply.submit`.
 *
 * i18next rather than a hand-written lookup: it is the most used and best kept JS i18n library,
 * does CLDR plurals through Intl.PluralRules (`count` picks `_one` / `_other`, and the forms
 * Spanish and others need), interpolation, namespaces and fallback to English for a missing key.
 * Interpolation escaping is off because ejs escapes everything `<%= %>` prints.
 */

/** The catalogues we ship; English first, as the fallback. */
export const LOCALES = ['en', 'es'] as const;
export type CatalogueLocale = (typeof LOCALES)[number];

export type Translate = TFunction;

export interface I18n {
  /** The catalogue language for a launch or browser locale tag (es-MX, es_ES, de → en). */
  localeOf(tag: string | null | undefined): CatalogueLocale;
  /** A translate function fixed to that locale. */
  translator(tag: string | null | undefined): Translate;
}

/**
 * "1 reply", "3 replies" from the catalogue: `key` has `_one` / `_other` forms (CLDR plurals, so
 * languages with more forms just add them), `{{formatted}}` is the number in the page's language
 * (1,234 / 1.234) and `count` picks the form.
 */
export function counter(t: (key: string, opts: Record<string, unknown>) => string, lang: string): (key: string, n: number) => string {
  return (key, n) => t(key, { count: n, formatted: n.toLocaleString(lang) });
}

export function catalogueLocale(tag: string | null | undefined): CatalogueLocale {
  // LTI launch_presentation.locale is BCP 47, but Moodle sends POSIX tags (es_MX).
  const lang = (tag ?? '').trim().replace(/_/g, '-').split('-')[0]!.toLowerCase();
  return (LOCALES as readonly string[]).includes(lang) ? (lang as CatalogueLocale) : 'en';
}

/** Reads every catalogue file under `dir` once, synchronously, when the container is built. */
export function loadCatalogue(dir: string): Record<string, Record<string, Record<string, unknown>>> {
  const resources: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const lng of LOCALES) {
    resources[lng] = {};
    for (const file of readdirSync(path.join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      resources[lng][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(dir, lng, file), 'utf8')) as Record<string, unknown>;
    }
  }
  return resources;
}

export function createI18n(dir: string): I18n {
  const resources = loadCatalogue(dir);
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LOCALES],
    ns: Object.keys(resources.en ?? {}),
    defaultNS: 'common',
    // Resources are in memory: initialise synchronously so the first request is translated.
    initAsync: false,
    interpolation: { escapeValue: false },
    returnEmptyString: false,
  });
  const fixed = new Map<CatalogueLocale, Translate>(LOCALES.map((l) => [l, instance.getFixedT(l)]));
  return {
    localeOf: catalogueLocale,
    translator: (tag) => fixed.get(catalogueLocale(tag))!,
  };
}
