type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Accept-Language → language ranges, most preferred first (RFC 7231 §5.3.5); q=0 dropped. */
export function languageRanges(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: (tag ?? '').trim().toLowerCase(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((r) => r.tag);
}

/**
 * The one entry of a language map the reader prefers: RFC 4647 basic filtering over the ranges in
 * order (`fr` matches `fr-FR`), then any key of the same primary language, else the first key.
 */
function pick(map: Json, ranges: string[]): Json {
  const keys = Object.keys(map);
  if (keys.length <= 1) return map;
  const one = (k: string): Json => ({ [k]: map[k] });
  for (const r of ranges) {
    if (r === '*') return one(keys[0]!);
    const hit = keys.find((k) => k.toLowerCase() === r || k.toLowerCase().startsWith(`${r}-`));
    if (hit) return one(hit);
  }
  for (const r of ranges) {
    const primary = r.split('-')[0];
    const near = keys.find((k) => k.toLowerCase().split('-')[0] === primary);
    if (near) return one(near);
  }
  return one(keys[0]!);
}

function definition(def: unknown, ranges: string[]): unknown {
  if (!isObj(def)) return def;
  const out: Json = { ...def };
  for (const k of ['name', 'description']) if (isObj(out[k])) out[k] = pick(out[k] as Json, ranges);
  for (const k of ['choices', 'scale', 'source', 'target', 'steps']) {
    const list = out[k];
    if (Array.isArray(list)) out[k] = list.map((c: unknown) => (isObj(c) && isObj(c.description) ? { ...c, description: pick(c.description, ranges) } : c));
  }
  return out;
}

const activity = (a: unknown, ranges: string[]): unknown => (isObj(a) && isObj(a.definition) ? { ...a, definition: definition(a.definition, ranges) } : a);

/**
 * format=canonical (xAPI 1.0.3 Communication §2.1.3): every language map (verb display, activity
 * names and descriptions, interaction components, attachment texts) reduced to the one language
 * the Accept-Language header prefers. Definitions are those of the statement itself.
 */
export function canonicalFormat(s: Json, ranges: string[]): Json {
  const out: Json = { ...s };
  if (isObj(s.verb) && isObj(s.verb.display)) out.verb = { ...s.verb, display: pick(s.verb.display, ranges) };
  if (isObj(s.object)) out.object = s.object.objectType === 'SubStatement' ? canonicalFormat(s.object, ranges) : activity(s.object, ranges);
  if (isObj(s.context) && isObj(s.context.contextActivities)) {
    const ca = Object.fromEntries(Object.entries(s.context.contextActivities).map(([k, v]) => [k, Array.isArray(v) ? v.map((a: unknown) => activity(a, ranges)) : activity(v, ranges)]));
    out.context = { ...s.context, contextActivities: ca };
  }
  if (Array.isArray(s.attachments)) {
    out.attachments = s.attachments.map((a: unknown) => {
      if (!isObj(a)) return a;
      const c: Json = { ...a };
      for (const k of ['display', 'description']) if (isObj(c[k])) c[k] = pick(c[k] as Json, ranges);
      return c;
    });
  }
  return out;
}
