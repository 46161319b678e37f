import type { Db } from '../db/knex.js';
import { SCORE_WEIGHTS } from '../curation/ranking-store.js';
import type { Viewer } from '../discussion/discussion-policy.js';
import { applyPostFirst } from '../search/search-visibility.js';

/** A person's own words for the course's people directory. */
export interface ExpertProfile {
  userId: string;
  bioMarkdown: string;
  bioHtml: string;
  renderVersion: number;
  /** Free labels the person chose; not the space's tags (those are earned, below). */
  expertise: string[];
  openToMentoring: boolean;
  updatedAt: number;
}

export type ProfileChange = Omit<ExpertProfile, 'userId' | 'updatedAt'>;

/** Help one person gave on one tag: tags of the same label in several spaces of the course count as one. */
export interface TagHelp {
  /** labelKey (lowercased label): the course-wide identity of a tag. */
  key: string;
  label: string;
  score: number;
  posts: number;
}

export interface HelpRecord {
  userId: string;
  name: string | null;
  /** All scored help, tagged or not. */
  score: number;
  tags: TagHelp[];
}

export interface ConnectionsStore {
  /**
   * Everyone in the course with help that counts (score > 0), most first. Counts only what the
   * whole course may read and attribute: never a hidden or deleted post, nor a post in a hidden
   * thread, nor any post in a space whose learners are anonymous to peers. Counted as `viewer`
   * may see it: post-first answers they cannot read yet add nothing (see `countable`).
   */
  help(contextId: string, viewer: Pick<Viewer, 'staff' | 'userId' | 'readOnly'>): Promise<HelpRecord[]>;
  /** The course's profiles, each with the person's name. */
  profiles(contextId: string): Promise<Array<ExpertProfile & { name: string | null }>>;
  profile(contextId: string, userId: string): Promise<ExpertProfile | null>;
  saveProfile(contextId: string, userId: string, change: ProfileChange, now: number): Promise<ExpertProfile>;
}

// The "most useful" weights (curation/ranking-store.ts), so a person's standing here is the sum of
// the scores their posts have there: one definition of "helpful" in the whole tool.
const scoreSql = `(p.reaction_count * ${SCORE_WEIGHTS.reaction} + case when p.endorsed_at is not null then ${SCORE_WEIGHTS.endorsed} else 0 end + case when t.accepted_post_id = p.id then ${SCORE_WEIGHTS.accepted} else 0 end)`;

type ProfileRow = { user_id: string; bio_markdown: string; bio_html: string; render_version: number | string; expertise: string; open_to_mentoring: boolean | number; updated_at: number | string; name?: string | null };

const fromRow = (r: ProfileRow): ExpertProfile => ({
  userId: r.user_id,
  bioMarkdown: r.bio_markdown,
  bioHtml: r.bio_html,
  renderVersion: Number(r.render_version),
  expertise: parseLabels(r.expertise),
  // SQLite hands booleans back as 0/1 and PostgreSQL as true/false.
  openToMentoring: Boolean(r.open_to_mentoring),
  updatedAt: Number(r.updated_at),
});

function parseLabels(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function createConnectionsStore(db: Db): ConnectionsStore {
  /**
   * Scored posts the directory may attribute, in the course's spaces, as `viewer` may see them.
   * Post-first (search-visibility.ts applyPostFirst, the rule of the prompt page and search):
   * peers' answers to a prompt the viewer has not answered are out of their sight, and so is any
   * score derived from them. The totals show no words, but "Ben: helpful on Negotiation" built
   * from hidden answers would still tell the viewer those answers exist and were praised, so they
   * count for nobody in that viewer's directory until the viewer has answered.
   */
  const countable = (contextId: string, viewer: Pick<Viewer, 'staff' | 'userId' | 'readOnly'>) =>
    applyPostFirst(
      db('posts as p')
        .join('threads as t', 't.id', 'p.thread_id')
        .join('spaces as s', function () {
          this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
        })
        // A reply in a thread whose opening a moderator hid is out of sight, so it earns nothing here either.
        .join('posts as op', function () {
          this.on('op.thread_id', '=', 't.id').andOn('op.depth', '=', db.raw('0'));
        })
        .whereNull('p.deleted_at')
        .whereNull('p.hidden_at')
        .whereNull('op.hidden_at')
        .whereNotNull('p.author_id')
        // Anonymity 'peers' (spaces/anonymity.ts) promises learners their peers cannot tie posts to
        // them; "Ann: 12 helpful on Safety" would break that promise by adding up, so such spaces
        // count for no one. Staff there are named anyway, but leaving them out too keeps the rule
        // simple and needs no role lookup per author.
        .whereNot('s.anonymity', 'peers')
        .whereRaw(`${scoreSql} > 0`),
      viewer,
    );

  return {
    async help(contextId, viewer) {
      const totals = await countable(contextId, viewer)
        .leftJoin('users as u', 'u.id', 'p.author_id')
        .groupBy('p.author_id', 'u.name')
        .select<Array<{ author_id: string; name: string | null; score: number | string }>>('p.author_id', 'u.name', db.raw(`sum(${scoreSql}) as score`));
      const byTag = await countable(contextId, viewer)
        .join('thread_tags as tt', 'tt.thread_id', 't.id')
        .join('space_tags as g', 'g.id', 'tt.tag_id')
        .groupBy('p.author_id', 'g.label_key')
        .select<Array<{ author_id: string; label_key: string; label: string; score: number | string; posts: number | string }>>(
          'p.author_id',
          'g.label_key',
          db.raw('min(g.label) as label'),
          db.raw(`sum(${scoreSql}) as score`),
          db.raw('count(*) as posts'),
        );
      const tags = new Map<string, TagHelp[]>();
      for (const r of byTag) tags.set(r.author_id, [...(tags.get(r.author_id) ?? []), { key: r.label_key, label: r.label, score: Number(r.score), posts: Number(r.posts) }]);
      const byScore = (a: { score: number }, b: { score: number }) => b.score - a.score;
      return totals
        .map((r) => ({ userId: r.author_id, name: r.name ?? null, score: Number(r.score), tags: (tags.get(r.author_id) ?? []).sort((a, b) => byScore(a, b) || a.key.localeCompare(b.key)) }))
        .sort((a, b) => byScore(a, b) || a.userId.localeCompare(b.userId));
    },
    async profiles(contextId) {
      const rows = await db('expert_profiles as e')
        .leftJoin('users as u', 'u.id', 'e.user_id')
        .where('e.context_id', contextId)
        .select<ProfileRow[]>('e.user_id', 'e.bio_markdown', 'e.bio_html', 'e.render_version', 'e.expertise', 'e.open_to_mentoring', 'e.updated_at', 'u.name');
      return rows.map((r) => ({ ...fromRow(r), name: r.name ?? null }));
    },
    async profile(contextId, userId) {
      const r = await db('expert_profiles').where({ context_id: contextId, user_id: userId }).first<ProfileRow | undefined>();
      return r ? fromRow(r) : null;
    },
    async saveProfile(contextId, userId, change, now) {
      const row = {
        bio_markdown: change.bioMarkdown,
        bio_html: change.bioHtml,
        render_version: change.renderVersion,
        expertise: JSON.stringify(change.expertise),
        open_to_mentoring: change.openToMentoring,
        updated_at: now,
      };
      // One statement either way, so two saves racing cannot trip the primary key.
      await db('expert_profiles')
        .insert({ context_id: contextId, user_id: userId, ...row })
        .onConflict(['context_id', 'user_id'])
        .merge(row);
      return { userId, ...change, updatedAt: now };
    },
  };
}
