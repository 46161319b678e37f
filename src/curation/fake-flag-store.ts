import { newId } from '../ids.js';
import { FAKE_TRX, type FakeDiscussionStore } from '../discussion/fake-discussion-store.js';
import { RESOLUTION_OF, type Flag, type FlagStore } from './flag-store.js';

/** In-memory FlagStore over a FakeDiscussionStore's posts and threads, for service unit tests. */
export class FakeFlagStore implements FlagStore {
  readonly rows: Flag[] = [];
  constructor(private readonly d: FakeDiscussionStore) {}

  private where(contextId: string, spaceId: string) {
    return this.rows.flatMap((f) => {
      const p = this.d.postRows.get(f.postId);
      const t = p ? this.d.threadRows.get(p.threadId) : undefined;
      const s = t ? this.d.spaceRows.get(t.spaceId) : undefined;
      if (!p || !t || !s || s.id !== spaceId || s.contextId !== contextId) return [];
      return [{ ...f, threadId: t.id, threadTitle: t.title, threadLocked: t.locked, postDepth: p.depth, postAuthorName: p.authorName, postMarkdown: p.bodyMarkdown, postHiddenAt: p.hiddenAt, postDeletedAt: p.deletedAt }];
    });
  }

  add: FlagStore['add'] = async (flag, now, also) => {
    if (this.rows.some((f) => f.postId === flag.postId && f.userId === flag.userId && f.resolvedAt === null)) return false;
    const id = newId();
    if (also) await also(FAKE_TRX, { flagId: id });
    this.rows.push({ id, ...flag, createdAt: now, resolvedAt: null, resolvedBy: null, resolvedByName: null, resolution: null });
    return true;
  };

  inSpace: FlagStore['inSpace'] = async (contextId, spaceId, { open, limit }) =>
    this.where(contextId, spaceId)
      .filter((f) => (f.resolvedAt === null) === open)
      .sort((a, b) => (open ? b.createdAt - a.createdAt : b.resolvedAt! - a.resolvedAt!))
      .slice(0, limit);

  openCount: FlagStore['openCount'] = async (contextId, spaceId) => this.where(contextId, spaceId).filter((f) => f.resolvedAt === null).length;

  moderate: FlagStore['moderate'] = async (post, action, by, now) => {
    const p = this.d.postRows.get(post.id)!;
    if (action === 'hide' && p.hiddenAt === null) this.d.postRows.set(p.id, { ...p, hiddenAt: now, hiddenBy: by });
    if (action === 'restore') this.d.postRows.set(p.id, { ...p, hiddenAt: null, hiddenBy: null });
    if (action === 'lock') this.d.threadRows.set(post.threadId, { ...this.d.threadRows.get(post.threadId)!, locked: true, updatedAt: now });
    let n = 0;
    for (const f of this.rows) {
      if (f.postId === post.id && f.resolvedAt === null) {
        Object.assign(f, { resolvedAt: now, resolvedBy: by, resolution: RESOLUTION_OF[action] });
        n++;
      }
    }
    return n;
  };
}
