import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

export const TAG_LABEL_MAX = 40;
/** How many tags one thread may carry: enough to describe it, few enough to stay a filter. */
export const TAGS_PER_THREAD = 3;

export interface Tag {
  id: string;
  spaceId: string;
  label: string;
}

/** Case-insensitive uniqueness key: "Safety" and "safety " are the same tag. */
export const labelKey = (label: string): string => label.trim().toLocaleLowerCase('en');

export interface TagStore {
  /** The space's tags, by label; scoped by context. */
  list(contextId: string, spaceId: string): Promise<Tag[]>;
  get(contextId: string, id: string): Promise<Tag | null>;
  /** Null when the space already has a tag with that label (any case). */
  create(spaceId: string, label: string, now: number): Promise<Tag | null>;
  /** False when another tag in the space has that label. */
  rename(id: string, label: string): Promise<boolean>;
  /** Deletes the tag and takes it off every thread. */
  remove(id: string): Promise<void>;
  /** Tags of each thread, by label. */
  ofThreads(threadIds: string[]): Promise<Map<string, Tag[]>>;
  /** Adds the tags to the thread inside `trx` (the act's transaction); returns those newly applied. */
  applyIn(trx: Db, threadId: string, tagIds: string[], now: number): Promise<string[]>;
  /** Makes the thread's tags exactly `tagIds`; returns the ids newly applied. */
  replace(threadId: string, tagIds: string[], now: number, also?: (trx: Db, added: string[]) => Promise<void>): Promise<string[]>;
}

const isUniqueViolation = (e: unknown): boolean => {
  const x = e as { code?: string; message?: string };
  return x?.code === '23505' || x?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(x?.message ?? '');
};

type TagRow = { id: string; space_id: string; label: string };
const fromRow = (r: TagRow): Tag => ({ id: r.id, spaceId: r.space_id, label: r.label });

export function createTagStore(db: Db): TagStore {
  const scoped = (contextId: string) =>
    db('space_tags as g').join('spaces as s', function () {
      this.on('s.id', '=', 'g.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
    });

  async function applyIn(trx: Db, threadId: string, tagIds: string[], now: number): Promise<string[]> {
    if (tagIds.length === 0) return [];
    const have = new Set((await trx('thread_tags').where({ thread_id: threadId }).select<{ tag_id: string }[]>('tag_id')).map((r) => r.tag_id));
    const added = [...new Set(tagIds)].filter((id) => !have.has(id));
    if (added.length) await trx('thread_tags').insert(added.map((tag_id) => ({ thread_id: threadId, tag_id, created_at: now })));
    return added;
  }

  return {
    async list(contextId, spaceId) {
      const rows = await scoped(contextId).where('g.space_id', spaceId).orderBy([{ column: 'g.label_key' }, { column: 'g.id' }]).select<TagRow[]>('g.id', 'g.space_id', 'g.label');
      return rows.map(fromRow);
    },
    async get(contextId, id) {
      const r = await scoped(contextId).where('g.id', id).first<TagRow | undefined>('g.id', 'g.space_id', 'g.label');
      return r ? fromRow(r) : null;
    },
    async create(spaceId, label, now) {
      const id = newId();
      try {
        await db('space_tags').insert({ id, space_id: spaceId, label, label_key: labelKey(label), created_at: now });
      } catch (e) {
        if (isUniqueViolation(e)) return null;
        throw e;
      }
      return { id, spaceId, label };
    },
    async rename(id, label) {
      try {
        await db('space_tags').where({ id }).update({ label, label_key: labelKey(label) });
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },
    async remove(id) {
      await db.transaction(async (trx) => {
        await trx('thread_tags').where({ tag_id: id }).delete();
        await trx('space_tags').where({ id }).delete();
      });
    },
    async ofThreads(threadIds) {
      const out = new Map<string, Tag[]>();
      if (threadIds.length === 0) return out;
      const rows = await db('thread_tags as tt')
        .join('space_tags as g', 'g.id', 'tt.tag_id')
        .whereIn('tt.thread_id', threadIds)
        .orderBy([{ column: 'g.label_key' }, { column: 'g.id' }])
        .select<Array<TagRow & { thread_id: string }>>('tt.thread_id', 'g.id', 'g.space_id', 'g.label');
      for (const r of rows) out.set(r.thread_id, [...(out.get(r.thread_id) ?? []), fromRow(r)]);
      return out;
    },
    applyIn,
    async replace(threadId, tagIds, now, also) {
      return db.transaction(async (trx) => {
        const keep = [...new Set(tagIds)];
        const q = trx('thread_tags').where({ thread_id: threadId });
        if (keep.length) q.whereNotIn('tag_id', keep);
        await q.delete();
        const added = await applyIn(trx, threadId, keep, now);
        if (also) await also(trx, added);
        return added;
      });
    },
  };
}
