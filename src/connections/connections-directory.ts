import type { ExpertProfile, HelpRecord, TagHelp } from './connections-store.js';

/** One person card: earned help (from the discussion) and their own profile, if they wrote one. */
export interface PersonCard {
  userId: string;
  name: string | null;
  score: number;
  tags: TagHelp[];
  profile: ExpertProfile | null;
  /** For a search: help on the tags that matched, and which of their own words matched. */
  match: { tagScore: number; tags: string[]; expertise: boolean; bio: boolean; name: boolean } | null;
}

export const QUERY_MAX = 100;
/** Tags shown on a card: enough to say what someone knows, few enough to scan a list. */
export const CARD_TAGS = 5;

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim().toLocaleLowerCase('en');

/** Merges help and profiles into one card per person (anyone with either). */
export function buildCards(help: HelpRecord[], profiles: Array<ExpertProfile & { name: string | null }>): PersonCard[] {
  const cards = new Map<string, PersonCard>();
  for (const h of help) cards.set(h.userId, { userId: h.userId, name: h.name, score: h.score, tags: h.tags, profile: null, match: null });
  for (const { name, ...p } of profiles) {
    const c = cards.get(p.userId);
    if (c) c.profile = p;
    else cards.set(p.userId, { userId: p.userId, name, score: 0, tags: [], profile: p, match: null });
  }
  return [...cards.values()];
}

const byName = (a: PersonCard, b: PersonCard): number => (a.name ?? '').localeCompare(b.name ?? '', 'en') || a.userId.localeCompare(b.userId);

/**
 * "Who knows X": people whose help was on a tag whose label contains X, or whose own expertise
 * labels, bio or name contain it. Ranked by help earned on the matching tags first (what others
 * found helpful outweighs what one says of oneself), then a declared expertise, then a mention in
 * the bio, then overall help. With no query: everyone, most help first, then those open to
 * mentoring.
 */
export function rankCards(cards: PersonCard[], query: string): PersonCard[] {
  const q = norm(query);
  if (!q) {
    return cards
      .map((c) => ({ ...c, match: null }))
      .sort((a, b) => b.score - a.score || Number(b.profile?.openToMentoring ?? false) - Number(a.profile?.openToMentoring ?? false) || byName(a, b));
  }
  const out: PersonCard[] = [];
  for (const c of cards) {
    const tags = c.tags.filter((t) => t.key.includes(q) || norm(t.label).includes(q));
    const tagScore = tags.reduce((n, t) => n + t.score, 0);
    const expertise = (c.profile?.expertise ?? []).some((l) => norm(l).includes(q));
    const bio = norm(c.profile?.bioMarkdown ?? '').includes(q);
    const name = norm(c.name ?? '').includes(q);
    if (tagScore > 0 || expertise || bio || name) out.push({ ...c, match: { tagScore, tags: tags.map((t) => t.label), expertise, bio, name } });
  }
  const m = (c: PersonCard) => c.match!;
  return out.sort(
    (a, b) =>
      m(b).tagScore - m(a).tagScore ||
      Number(m(b).expertise) - Number(m(a).expertise) ||
      Number(m(b).bio) - Number(m(a).bio) ||
      b.score - a.score ||
      byName(a, b),
  );
}

/** The course's tags with any counted help, most help first: the "browse by topic" links. */
export function topTags(cards: PersonCard[], limit = 20): Array<{ label: string; score: number; people: number }> {
  const all = new Map<string, { label: string; score: number; people: number }>();
  for (const c of cards) {
    for (const t of c.tags) {
      const e = all.get(t.key) ?? { label: t.label, score: 0, people: 0 };
      e.score += t.score;
      e.people += 1;
      all.set(t.key, e);
    }
  }
  return [...all.values()].sort((a, b) => b.score - a.score || a.label.localeCompare(b.label, 'en')).slice(0, limit);
}
