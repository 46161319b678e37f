import type { Db } from '../db/knex.js';
import { mapRoles, type Role } from '../lti/claims.js';
import type { MemberStatus, NrpsMember } from '../lti/nrps-client.js';

/** One person of a course, from the NRPS roster and/or their own launches. */
export interface RosterMember {
  /** The platform's user id (LTI sub). */
  sub: string;
  /** Our users.id once they have launched; null for someone known only from the roster. */
  userId: string | null;
  name: string | null;
  primaryRole: Role;
  status: MemberStatus;
  /** Where we know them from. */
  source: 'roster' | 'launch' | 'both';
  /** Their last launch into this course, epoch ms; null if they never launched. */
  lastLaunchAt: number | null;
}

export interface RosterSync {
  syncedAt: number | null;
  memberCount: number;
  pages: number;
  failedAt: number | null;
  error: string | null;
}

export interface RosterStore {
  /**
   * Replaces the course's roster with a complete NRPS reading, in one transaction: members in
   * it are upserted, members no longer in it become 'Deleted' (kept, so history keeps names).
   */
  replace(contextId: string, members: NrpsMember[], pages: number, now: number): Promise<void>;
  recordFailure(contextId: string, error: string, now: number): Promise<void>;
  lastSync(contextId: string): Promise<RosterSync | null>;
  /** Everyone of the course: roster members and people who launched, once each, by name. */
  members(contextId: string): Promise<RosterMember[]>;
}

const CHUNK = 200;

interface MemberRow {
  sub: string;
  name: string | null;
  primary_role: Role;
  status: MemberStatus;
}

export function createRosterStore(db: Db): RosterStore {
  return {
    async replace(contextId, members, pages, now) {
      await db.transaction(async (trx) => {
        // A generation per reading, not a timestamp: two readings in one millisecond stay apart.
        // Written before anything is read: on SQLite a transaction that reads first and writes
        // later can't wait for another writer (SQLITE_BUSY at once); one that writes first can.
        await trx('roster_syncs')
          .insert({ context_id: contextId, generation: 1 })
          .onConflict('context_id')
          .merge({ generation: trx.raw('?? + 1', ['roster_syncs.generation']) });
        const generation = Number((await trx('roster_syncs').where({ context_id: contextId }).first('generation')).generation);
        const rows = members.map((m) => ({
          context_id: contextId,
          sub: m.userId,
          name: m.name ?? ([m.givenName, m.familyName].filter(Boolean).join(' ') || null),
          roles: JSON.stringify(m.roles),
          primary_role: mapRoles(m.roles).primary,
          status: m.status,
          first_seen_at: now,
          synced_at: now,
          generation,
        }));
        for (let i = 0; i < rows.length; i += CHUNK) {
          await trx('roster_members')
            .insert(rows.slice(i, i + CHUNK))
            .onConflict(['context_id', 'sub'])
            .merge(['name', 'roles', 'primary_role', 'status', 'synced_at', 'generation']);
        }
        // NRPS 2.0 returns the whole membership: whoever this reading lacks has left the course.
        await trx('roster_members').where({ context_id: contextId }).whereNot({ generation }).update({ status: 'Deleted', synced_at: now, generation });
        await trx('roster_syncs')
          .insert({ context_id: contextId, synced_at: now, generation, member_count: rows.length, pages, failed_at: null, error: null })
          .onConflict('context_id')
          .merge(['synced_at', 'generation', 'member_count', 'pages', 'failed_at', 'error']);
      });
    },

    async recordFailure(contextId, error, now) {
      await db('roster_syncs')
        .insert({ context_id: contextId, synced_at: null, member_count: 0, pages: 0, failed_at: now, error: error.slice(0, 500) })
        .onConflict('context_id')
        .merge(['failed_at', 'error']);
    },

    async lastSync(contextId) {
      const r = await db('roster_syncs').where({ context_id: contextId }).first();
      if (!r) return null;
      const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
      return { syncedAt: n(r.synced_at), memberCount: Number(r.member_count), pages: Number(r.pages), failedAt: n(r.failed_at), error: r.error ?? null };
    },

    async members(contextId) {
      // The users behind roster subs are found through the course's platform (subs are per platform).
      const roster: Array<MemberRow & { user_id: string | null; last_launch_at: number | null }> = await db('roster_members as r')
        .join('contexts as c', 'c.id', 'r.context_id')
        .join('deployments as d', 'd.id', 'c.deployment_id')
        .leftJoin('users as u', (j) => j.on('u.platform_id', '=', 'd.platform_id').andOn('u.sub', '=', 'r.sub'))
        .leftJoin('enrolments as e', (j) => j.on('e.context_id', '=', 'r.context_id').andOn('e.user_id', '=', 'u.id'))
        .where('r.context_id', contextId)
        .select('r.sub', 'r.name', 'r.primary_role', 'r.status', 'u.id as user_id', 'e.last_launch_at');
      const launched: Array<{ user_id: string; sub: string; name: string | null; roles: string; last_launch_at: number }> = await db('enrolments as e')
        .join('users as u', 'u.id', 'e.user_id')
        .where('e.context_id', contextId)
        .select('u.id as user_id', 'u.sub', 'u.name', 'e.roles', 'e.last_launch_at');
      const bySub = new Map<string, RosterMember>();
      for (const r of roster) {
        bySub.set(r.sub, {
          sub: r.sub,
          userId: r.user_id,
          name: r.name,
          primaryRole: r.primary_role,
          status: r.status,
          source: r.user_id && r.last_launch_at !== null ? 'both' : 'roster',
          lastLaunchAt: r.last_launch_at === null || r.last_launch_at === undefined ? null : Number(r.last_launch_at),
        });
      }
      for (const l of launched) {
        const known = bySub.get(l.sub);
        if (known) {
          // A launch names people more freshly than a roster read hours ago.
          known.name = l.name ?? known.name;
          continue;
        }
        bySub.set(l.sub, { sub: l.sub, userId: l.user_id, name: l.name, primaryRole: mapRoles(parseRoles(l.roles)).primary, status: 'Active', source: 'launch', lastLaunchAt: Number(l.last_launch_at) });
      }
      return [...bySub.values()].sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.sub.localeCompare(b.sub));
    },
  };
}

function parseRoles(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
