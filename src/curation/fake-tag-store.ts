import { newId } from '../ids.js';
import type { Db } from '../db/knex.js';
import { FAKE_TRX, type FakeDiscussionStore } from '../discussion/fake-discussion-store.js';
import { labelKey, type Tag, type TagStore } from './tag-store.js';

/** In-memory TagStore over a FakeDiscussionStore's spaces, for service unit tests. */
export class FakeTagStore implements TagStore {
  readonly tags = new Map<string, Tag>();
  /** `${threadId} ${tagId}` of each applied tag. */
  readonly applied = new Set<string>();
  /** The transactions applyIn ran in, to check it joined the act's. */
  readonly trxSeen: Db[] = [];
  constructor(private readonly d: FakeDiscussionStore) {}

  private inContext = (contextId: string, t: Tag): boolean => this.d.spaceRows.get(t.spaceId)?.contextId === contextId;
  private sorted = (list: Tag[]): Tag[] => list.sort((a, b) => labelKey(a.label).localeCompare(labelKey(b.label)));

  list: TagStore['list'] = async (contextId, spaceId) => this.sorted([...this.tags.values()].filter((t) => t.spaceId === spaceId && this.inContext(contextId, t)));
  get: TagStore['get'] = async (contextId, id) => {
    const t = this.tags.get(id);
    return t && this.inContext(contextId, t) ? t : null;
  };
  create: TagStore['create'] = async (spaceId, label) => {
    if ([...this.tags.values()].some((t) => t.spaceId === spaceId && labelKey(t.label) === labelKey(label))) return null;
    const t = { id: newId(), spaceId, label };
    this.tags.set(t.id, t);
    return t;
  };
  rename: TagStore['rename'] = async (id, label) => {
    const t = this.tags.get(id)!;
    if ([...this.tags.values()].some((o) => o.id !== id && o.spaceId === t.spaceId && labelKey(o.label) === labelKey(label))) return false;
    this.tags.set(id, { ...t, label });
    return true;
  };
  remove: TagStore['remove'] = async (id) => {
    this.tags.delete(id);
    for (const k of [...this.applied]) if (k.endsWith(` ${id}`)) this.applied.delete(k);
  };
  ofThreads: TagStore['ofThreads'] = async (threadIds) => {
    const out = new Map<string, Tag[]>();
    for (const k of this.applied) {
      const [threadId, tagId] = k.split(' ') as [string, string];
      if (threadIds.includes(threadId)) out.set(threadId, this.sorted([...(out.get(threadId) ?? []), this.tags.get(tagId)!]));
    }
    return out;
  };
  applyIn: TagStore['applyIn'] = async (trx, threadId, tagIds) => {
    this.trxSeen.push(trx);
    const added = [...new Set(tagIds)].filter((id) => !this.applied.has(`${threadId} ${id}`));
    for (const id of added) this.applied.add(`${threadId} ${id}`);
    return added;
  };
  replace: TagStore['replace'] = async (threadId, tagIds, now, also) => {
    for (const k of [...this.applied]) if (k.startsWith(`${threadId} `) && !tagIds.includes(k.split(' ')[1]!)) this.applied.delete(k);
    const added = await this.applyIn(FAKE_TRX, threadId, tagIds, now);
    if (also) await also(FAKE_TRX, added);
    return added;
  };
}
