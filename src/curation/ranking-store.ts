import type { Db } from '../db/knex.js';
import type { Viewer } from '../discussion/discussion-policy.js';
import { applyPostFirst } from '../search/search-visibility.js';

/**
 * "Most useful": a space's posts (openings and replies) ranked by
 *   score = helpful reactions + 3 × (endorsed by an instructor) + 5 × (accepted answer)
 * so one instructor endorsement outweighs a couple of peers' "helpful" and an accepted answer
 * outweighs an endorsement; ties go to the newest post. Only posts with a score above zero are
 * listed, and never a hidden or deleted one.
 */
export const SCORE_WEIGHTS = { reaction: 1, endorsed: 3, accepted: 5 } as const;

export interface RankedPost {
  postId: string;
  threadId: string;
  threadTitle: string;
  depth: number;
  authorId: string | null;
  authorName: string | null;
  bodyMarkdown: string;
  bodyHtml: string;
  renderVersion: number;
  createdAt: number;
  reactionCount: number;
  endorsed: boolean;
  accepted: boolean;
  score: number;
}

export type RankingViewer = Pick<Viewer, 'staff' | 'userId' | 'readOnly'>;

export interface RankingStore {
  /** `viewer` decides what post-first withholds (a learner's peers' prompt answers, until they answer). */
  mostUseful(contextId: string, spaceId: string, opts: { limit: number; offset: number; tagId?: string | null; viewer: RankingViewer }): Promise<RankedPost[]>;
  countUseful(contextId: string, spaceId: string, opts: { tagId?: string | null; viewer: RankingViewer }): Promise<number>;
}

export function createRankingStore(db: Db): RankingStore {
  const scoreSql = `(p.reaction_count * ${SCORE_WEIGHTS.reaction} + case when p.endorsed_at is not null then ${SCORE_WEIGHTS.endorsed} else 0 end + case when t.accepted_post_id = p.id then ${SCORE_WEIGHTS.accepted} else 0 end)`;
  const base = (contextId: string, spaceId: string, tagId: string | null | undefined, viewer: RankingViewer) => {
    const q = db('posts as p')
      .join('threads as t', 't.id', 'p.thread_id')
      .join('spaces as s', function () {
        this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
      })
      // A reply in a thread whose opening a moderator hid is out of sight too.
      .join('posts as op', function () {
        this.on('op.thread_id', '=', 't.id').andOn('op.depth', '=', db.raw('0'));
      })
      .where('t.space_id', spaceId)
      .whereNull('p.deleted_at')
      .whereNull('p.hidden_at')
      .whereNull('op.hidden_at')
      .whereRaw(`${scoreSql} > 0`);
    if (tagId) q.whereExists(db('thread_tags as tt').whereRaw('tt.thread_id = t.id').where('tt.tag_id', tagId));
    return applyPostFirst(q, viewer);
  };
  return {
    async mostUseful(contextId, spaceId, { limit, offset, tagId, viewer }) {
      const rows = await base(contextId, spaceId, tagId, viewer)
        .leftJoin('users as u', 'u.id', 'p.author_id')
        .orderByRaw(`${scoreSql} desc`)
        .orderBy([
          { column: 'p.created_at', order: 'desc' },
          { column: 'p.id', order: 'desc' },
        ])
        .limit(limit)
        .offset(offset)
        .select<Array<Record<string, unknown>>>([
          'p.id',
          'p.thread_id',
          't.title',
          'p.depth',
          'p.author_id',
          'u.name as author_name',
          'p.body_markdown',
          'p.body_html',
          'p.render_version',
          'p.created_at',
          'p.reaction_count',
          'p.endorsed_at',
          't.accepted_post_id',
          db.raw(`${scoreSql} as score`),
        ]);
      return rows.map((r) => ({
        postId: String(r.id),
        threadId: String(r.thread_id),
        threadTitle: String(r.title),
        depth: Number(r.depth),
        authorId: (r.author_id as string | null) ?? null,
        authorName: (r.author_name as string | null) ?? null,
        bodyMarkdown: String(r.body_markdown),
        bodyHtml: String(r.body_html),
        renderVersion: Number(r.render_version),
        createdAt: Number(r.created_at),
        reactionCount: Number(r.reaction_count),
        endorsed: r.endorsed_at !== null,
        accepted: r.accepted_post_id === r.id,
        score: Number(r.score),
      }));
    },
    async countUseful(contextId, spaceId, { tagId, viewer }) {
      const r = await base(contextId, spaceId, tagId, viewer).count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },
  };
}
