import type { Db } from '../db/knex.js';

/** A material link on a prompt: a label and an https URL (validated in prompt-input.ts). */
export interface Material {
  label: string;
  url: string;
}

/** What only a prompt has, beside its thread (title) and opening post (text). */
export interface PromptDetails {
  threadId: string;
  spaceId: string;
  position: number;
  required: boolean;
  materials: Material[];
}

/** A prompt in its space's list, with one user's status. */
export interface PromptSummary extends PromptDetails {
  title: string;
  /** Answers that are not deleted, everyone's. */
  answerCount: number;
  /** This user's answer (post id), null when they have none (or deleted it). */
  myAnswerId: string | null;
}

export interface PromptStore {
  /** Writes a new prompt's details, last in its space; runs inside the thread's creation transaction. */
  addDetails(trx: Db, d: { threadId: string; spaceId: string; required: boolean; materials: Material[] }): Promise<void>;
  details(threadId: string): Promise<PromptDetails | null>;
  updateDetails(threadId: string, d: { required: boolean; materials: Material[] }): Promise<void>;
  /** Prompts of a space in order, with `userId`'s answer status (none when null). */
  list(spaceId: string, userId: string | null): Promise<PromptSummary[]>;
  /** Swaps the prompt with its neighbour before (-1) or after (+1); false at either end. */
  move(threadId: string, by: -1 | 1): Promise<boolean>;
  /** Deletes the prompt thread with its answers (foreign keys cascade). */
  remove(threadId: string): Promise<void>;
  /** `userId`'s answer to the prompt, if they have one that is not deleted. */
  answerOf(threadId: string, userId: string): Promise<string | null>;
  countAnswers(threadId: string): Promise<number>;
  /**
   * Records `postId` as `userId`'s answer, inside the answer post's transaction. A deleted earlier
   * answer makes way; a live one makes the primary key refuse the row (and so roll back the post).
   */
  recordAnswer(trx: Db, a: { threadId: string; userId: string; postId: string; now: number }): Promise<void>;
}

interface DetailsRow {
  thread_id: string;
  space_id: string;
  position: number | string;
  required: boolean | number;
  materials: string;
}

function parseMaterials(json: string): Material[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((m): m is Material => typeof m?.label === 'string' && typeof m?.url === 'string') : [];
  } catch {
    return [];
  }
}

const detailsFromRow = (r: DetailsRow): PromptDetails => ({
  threadId: r.thread_id,
  spaceId: r.space_id,
  position: Number(r.position),
  required: Boolean(r.required),
  materials: parseMaterials(r.materials),
});

export function createPromptStore(db: Db): PromptStore {
  /** Live answers: rows whose post is not deleted. */
  const liveAnswers = (q: Db) =>
    q('prompt_answers as pa').join('posts as ap', function () {
      this.on('ap.id', '=', 'pa.post_id');
    }).whereNull('ap.deleted_at');

  return {
    async addDetails(trx, d) {
      const r = await trx('prompt_details').where({ space_id: d.spaceId }).max<{ m: number | string | null }[]>({ m: 'position' });
      const position = r[0]?.m === null || r[0]?.m === undefined ? 1 : Number(r[0].m) + 1;
      await trx('prompt_details').insert({ thread_id: d.threadId, space_id: d.spaceId, position, required: d.required, materials: JSON.stringify(d.materials) });
    },

    async details(threadId) {
      const r = await db<DetailsRow>('prompt_details').where({ thread_id: threadId }).first();
      return r ? detailsFromRow(r) : null;
    },

    async updateDetails(threadId, d) {
      await db('prompt_details').where({ thread_id: threadId }).update({ required: d.required, materials: JSON.stringify(d.materials) });
    },

    async list(spaceId, userId) {
      const rows = await db('prompt_details as d')
        .join('threads as t', 't.id', 'd.thread_id')
        .where('d.space_id', spaceId)
        .orderBy([{ column: 'd.position' }, { column: 'd.thread_id' }])
        .select<Array<DetailsRow & { title: string }>>(['d.thread_id', 'd.space_id', 'd.position', 'd.required', 'd.materials', 't.title']);
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.thread_id);
      const counts = await liveAnswers(db).whereIn('pa.thread_id', ids).groupBy('pa.thread_id').select<Array<{ thread_id: string; n: number | string }>>('pa.thread_id', db.raw('count(*) as n'));
      const mine = userId ? await liveAnswers(db).whereIn('pa.thread_id', ids).where('pa.user_id', userId).select<Array<{ thread_id: string; post_id: string }>>('pa.thread_id', 'pa.post_id') : [];
      const count = new Map(counts.map((c) => [c.thread_id, Number(c.n)]));
      const my = new Map(mine.map((m) => [m.thread_id, m.post_id]));
      return rows.map((r) => ({ ...detailsFromRow(r), title: r.title, answerCount: count.get(r.thread_id) ?? 0, myAnswerId: my.get(r.thread_id) ?? null }));
    },

    async move(threadId, by) {
      // Read first, outside the transaction, then write only if nothing moved meanwhile: a SQLite
      // transaction that reads before it writes cannot wait for the write lock (SQLITE_BUSY).
      const me = await db<DetailsRow>('prompt_details').where({ thread_id: threadId }).first();
      if (!me) return false;
      const pos = Number(me.position);
      const q = db<DetailsRow>('prompt_details').where({ space_id: me.space_id });
      const other = await (by < 0 ? q.where('position', '<', pos).orderBy('position', 'desc') : q.where('position', '>', pos).orderBy('position', 'asc')).first();
      if (!other) return false;
      const otherPos = Number(other.position);
      const stale = new Error('prompt order changed');
      try {
        await db.transaction(async (trx) => {
          const a = await trx('prompt_details').where({ thread_id: me.thread_id, position: pos }).update({ position: otherPos });
          const b = await trx('prompt_details').where({ thread_id: other.thread_id, position: otherPos }).update({ position: pos });
          if (a !== 1 || b !== 1) throw stale;
        });
      } catch (e) {
        if (e === stale) return false;
        throw e;
      }
      return true;
    },

    async remove(threadId) {
      await db('threads').where({ id: threadId }).delete();
    },

    async answerOf(threadId, userId) {
      const r = await liveAnswers(db).where({ 'pa.thread_id': threadId, 'pa.user_id': userId }).first<{ post_id: string } | undefined>('pa.post_id');
      return r?.post_id ?? null;
    },

    async countAnswers(threadId) {
      const r = await liveAnswers(db).where('pa.thread_id', threadId).count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async recordAnswer(trx, a) {
      // An earlier answer its author deleted no longer counts: the new one takes its place.
      const stale = await trx('prompt_answers as pa')
        .join('posts as ap', 'ap.id', 'pa.post_id')
        .where({ 'pa.thread_id': a.threadId, 'pa.user_id': a.userId })
        .whereNotNull('ap.deleted_at')
        .first<{ post_id: string } | undefined>('pa.post_id');
      if (stale) await trx('prompt_answers').where({ thread_id: a.threadId, user_id: a.userId }).delete();
      await trx('prompt_answers').insert({ thread_id: a.threadId, user_id: a.userId, post_id: a.postId, created_at: a.now });
    },
  };
}
