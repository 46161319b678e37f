import type { PrepStatus, PrepStatusSource } from './prep-status.js';

/** A PrepStatusSource for unit tests: statuses set by hand, per space and user. */
export function fakePrepStatusSource(prompts = 2): PrepStatusSource & { set(spaceId: string, userId: string, s: Partial<PrepStatus>): void; asked: string[][] } {
  const data = new Map<string, PrepStatus>();
  const asked: string[][] = [];
  return {
    asked,
    set(spaceId, userId, s) {
      data.set(`${spaceId}\n${userId}`, { state: 'not_started', lastActivityAt: null, answered: 0, prompts, posts: 0, ...s });
    },
    async statuses(spaceId, userIds) {
      asked.push(userIds);
      const byUser = new Map<string, PrepStatus>();
      for (const u of userIds) byUser.set(u, data.get(`${spaceId}\n${u}`) ?? { state: 'not_started', lastActivityAt: null, answered: 0, prompts, posts: 0 });
      return { prompts, byUser };
    },
  };
}
