import type { FakeDiscussionStore } from '../discussion/fake-discussion-store.js';
import type { PromptDetails, PromptStore } from './prompt-store.js';

/**
 * In-memory PromptStore over a FakeDiscussionStore (whose threads and posts it reads), with the
 * knex store's rules: one live answer per user, deleted answers make way, order by position.
 */
export class FakePromptStore implements PromptStore {
  readonly detailRows = new Map<string, PromptDetails>();
  /** Answers by `${threadId} ${userId}` → post id. */
  readonly answerRows = new Map<string, string>();

  constructor(private readonly d: FakeDiscussionStore) {}

  private live(postId: string | undefined): boolean {
    return postId !== undefined && this.d.postRows.get(postId)?.deletedAt === null;
  }

  async addDetails(_trx: unknown, x: { threadId: string; spaceId: string; required: boolean; materials: PromptDetails['materials'] }) {
    const max = Math.max(0, ...[...this.detailRows.values()].filter((r) => r.spaceId === x.spaceId).map((r) => r.position));
    this.detailRows.set(x.threadId, { ...x, position: max + 1 });
  }
  async details(threadId: string) {
    return this.detailRows.get(threadId) ?? null;
  }
  async updateDetails(threadId: string, x: { required: boolean; materials: PromptDetails['materials'] }) {
    const r = this.detailRows.get(threadId);
    if (r) this.detailRows.set(threadId, { ...r, ...x });
  }
  async list(spaceId: string, userId: string | null) {
    return [...this.detailRows.values()]
      .filter((r) => r.spaceId === spaceId)
      .sort((a, b) => a.position - b.position)
      .map((r) => ({
        ...r,
        title: this.d.threadRows.get(r.threadId)?.title ?? '',
        answerCount: [...this.answerRows.entries()].filter(([k, p]) => k.startsWith(`${r.threadId} `) && this.live(p)).length,
        myAnswerId: userId && this.live(this.answerRows.get(`${r.threadId} ${userId}`)) ? this.answerRows.get(`${r.threadId} ${userId}`)! : null,
      }));
  }
  async move(threadId: string, by: -1 | 1) {
    const me = this.detailRows.get(threadId);
    if (!me) return false;
    const same = [...this.detailRows.values()].filter((r) => r.spaceId === me.spaceId).sort((a, b) => a.position - b.position);
    const other = same[same.findIndex((r) => r.threadId === threadId) + by];
    if (!other) return false;
    this.detailRows.set(me.threadId, { ...me, position: other.position });
    this.detailRows.set(other.threadId, { ...other, position: me.position });
    return true;
  }
  async remove(threadId: string) {
    this.detailRows.delete(threadId);
    this.d.threadRows.delete(threadId);
    for (const [id, p] of this.d.postRows) if (p.threadId === threadId) this.d.postRows.delete(id);
  }
  async answerOf(threadId: string, userId: string) {
    const p = this.answerRows.get(`${threadId} ${userId}`);
    return this.live(p) ? p! : null;
  }
  async countAnswers(threadId: string) {
    return [...this.answerRows.entries()].filter(([k, p]) => k.startsWith(`${threadId} `) && this.live(p)).length;
  }
  async recordAnswer(_trx: unknown, a: { threadId: string; userId: string; postId: string; now: number }) {
    const key = `${a.threadId} ${a.userId}`;
    // The fake post is written after `also` runs, so a pending answer is "live" unless its row says deleted.
    const prev = this.answerRows.get(key);
    if (prev && this.d.postRows.get(prev)?.deletedAt === null) throw new Error('duplicate key: prompt_answers');
    this.answerRows.set(key, a.postId);
  }
}
