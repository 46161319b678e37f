import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { catalogueLocale, createI18n, loadCatalogue, LOCALES } from '../../src/i18n/i18n.js';
import { fieldMessage, parseThreadInput } from '../../src/discussion/discussion-input.js';
import { AppError, ForbiddenError, localizedError, NotFoundError } from '../../src/web/errors.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const catalogue = loadCatalogue(path.join(root, 'locales'));

/** `ns:a.b.c` for every leaf string, plural suffixes folded into their base key. */
function keysOf(lng: string): Set<string> {
  const out = new Set<string>();
  const walk = (ns: string, prefix: string, node: unknown): void => {
    if (typeof node === 'string') out.add(`${ns}:${prefix.replace(/_(zero|one|two|few|many|other)$/, '')}`);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(ns, prefix ? `${prefix}.${k}` : k, v);
  };
  for (const [ns, tree] of Object.entries(catalogue[lng] ?? {})) walk(ns, '', tree);
  return out;
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(f) ? [p] : [];
  });
}

describe('message catalogue', () => {
  it('has the same keys in every locale, so no page falls back to English by accident', () => {
    const en = keysOf('en');
    expect(en.size).to.be.greaterThan(0);
    for (const lng of LOCALES.filter((l) => l !== 'en')) {
      const other = keysOf(lng);
      expect([...en].filter((k) => !other.has(k)), `keys missing in ${lng}`).to.deep.equal([]);
      expect([...other].filter((k) => !en.has(k)), `keys in ${lng} that English lacks`).to.deep.equal([]);
    }
  });

  it('has every key the views and code ask for', () => {
    const en = keysOf('en');
    const used = new Set<string>();
    for (const file of [...filesUnder(path.join(root, 'views'), /\.ejs$/), ...filesUnder(path.join(root, 'src'), /\.ts$/)]) {
      // Literal keys only: t('ns:key') or t("key"); a key built at run time is checked where it is built.
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*['"]([A-Za-z0-9_.:-]+)['"]\s*[,)]/g)) {
        const key = m[1]!;
        used.add(key.includes(':') ? key : `common:${key}`);
      }
    }
    expect(used.size).to.be.greaterThan(0);
    expect([...used].filter((k) => !en.has(k)), 'keys used but not in locales/en').to.deep.equal([]);
    // Keys built at run time: every value they can take.
    for (const kind of ['prep', 'post_event']) expect(en.has(`spaces:kind.${kind}`), kind).to.equal(true);
    for (const role of ['learner', 'instructor', 'ta', 'admin', 'mentor']) expect(en.has(`thread:role.${role}`), role).to.equal(true);
    for (const kind of ['post', 'flag', 'reaction']) expect(en.has(`errors:rate_limited.${kind}.message`), kind).to.equal(true);
    // Errors name their entry with .tr('errors:<name>'): each needs a message in the catalogue.
    for (const file of filesUnder(path.join(root, 'src'), /\.ts$/)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\.tr\(\s*'([A-Za-z0-9_.:-]+)'/g)) expect(en.has(`${m[1]}.message`), `${m[1]} in ${file}`).to.equal(true);
    }
  });

  it('picks the catalogue from the launch locale, whatever its spelling', () => {
    expect(catalogueLocale('es')).to.equal('es');
    expect(catalogueLocale('es-MX')).to.equal('es');
    expect(catalogueLocale('es_ES')).to.equal('es');
    expect(catalogueLocale('ES')).to.equal('es');
    expect(catalogueLocale('de-DE')).to.equal('en');
    expect(catalogueLocale('')).to.equal('en');
    expect(catalogueLocale(null)).to.equal('en');
    expect(catalogueLocale('not a tag')).to.equal('en');
  });

  it('translates with plurals in each language', () => {
    const i18n = createI18n(path.join(root, 'locales'));
    expect(i18n.translator('en-GB')('replies', { count: 1 })).to.equal('1 reply');
    expect(i18n.translator('en')('replies', { count: 3 })).to.equal('3 replies');
    expect(i18n.translator('es')('replies', { count: 1 })).to.equal('1 respuesta');
    expect(i18n.translator('es-AR')('replies', { count: 2 })).to.equal('2 respuestas');
    expect(i18n.translator('es')('skipToContent')).to.equal('Saltar al contenido');
  });

  describe('errors and field errors', () => {
    const i18n = createI18n(path.join(root, 'locales'));
    const en = i18n.translator('en') as never;
    const es = i18n.translator('es') as never;

    it('says an error in the reader language, English exactly as thrown, with its parameters', () => {
      const e = new ForbiddenError('not_author', 'You can only edit your own posts.').tr('errors:not_author_edit');
      expect(localizedError(en, e)).to.deep.equal({ message: 'You can only edit your own posts.' });
      expect(localizedError(es, e)).to.deep.equal({ message: 'Solo puedes editar tus propias publicaciones.' });
      const tag = new AppError(409, 'tag_exists', 'This space already has the tag “x”.').tr('errors:tag_exists', { label: 'Día <b>' });
      expect(localizedError(es, tag).message).to.equal('Este espacio ya tiene la etiqueta «Día <b>».');
      expect(localizedError(es, new NotFoundError()).message).to.equal('No encontrado.');
    });

    it('falls back to the thrown English when an error names no entry, or one the catalogue lacks', () => {
      expect(localizedError(es, new AppError(400, 'x', 'Plain English.', 'A hint.'))).to.deep.equal({ message: 'Plain English.', hint: 'A hint.' });
      expect(localizedError(es, new AppError(400, 'x', 'Plain English.').tr('errors:no_such_entry')).message).to.equal('Plain English.');
    });

    it('translates field error keys with the limits and the typed length, in the page language', () => {
      const r = parseThreadInput({ title: '', body: 'x'.repeat(20_001), kind: 'discussion' });
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(fieldMessage(es, 'es', r.errors.title!)).to.equal('Ponle un título al hilo.');
      expect(fieldMessage(en, 'en', r.errors.body!, r.values.body)).to.equal('Posts can be up to 20,000 characters; this one has 20,001. Shorten it and post again.');
      expect(fieldMessage(es, 'es', r.errors.body!, r.values.body)).to.equal('Las publicaciones pueden tener hasta 20.000 caracteres; esta tiene 20.001. Acórtala y vuelve a publicarla.');
    });

    it('passes through text a router already translated, even with colons in it', () => {
      const said = 'Puedes publicar de nuevo a las 08:10:00 UTC.';
      expect(fieldMessage(es, 'es', said)).to.equal(said);
    });
  });
});
