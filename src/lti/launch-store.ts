import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { LaunchClaims } from './launch-claims.js';

export interface LaunchRows {
  userId: string | null;
  contextId: string | null;
  resourceLinkId: string | null;
}

/** Runs inside the launch's transaction, after its rows are written (e.g. to queue its xAPI statement). */
export type InLaunchTransaction = (trx: Db, rows: LaunchRows) => Promise<void>;

export interface LaunchStore {
  /**
   * Upserts the user, context, resource link and enrolment a launch names; one transaction.
   * `also` joins that transaction, so what it writes commits or rolls back with the launch.
   */
  record(platformId: string, deploymentRowId: string, claims: LaunchClaims, now: number, also?: InLaunchTransaction): Promise<LaunchRows>;
}

/**
 * Insert-or-update by natural key, returning our row id in one statement. Portable:
 * INSERT … ON CONFLICT … DO UPDATE … RETURNING works on SQLite (≥3.35) and PostgreSQL, and
 * returns the existing row's id when another launch inserted it first.
 */
async function upsert(
  trx: Db,
  table: string,
  key: Record<string, string>,
  values: Record<string, unknown>,
  now: number,
): Promise<string> {
  const [row] = (await trx(table)
    .insert({ id: newId(), ...key, ...values, created_at: now, updated_at: now })
    .onConflict(Object.keys(key))
    .merge({ ...values, updated_at: now })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

export function createLaunchStore(db: Db): LaunchStore {
  return {
    async record(platformId, deploymentRowId, claims, now, also) {
      return db.transaction(async (trx) => {
        let userId: string | null = null;
        if (claims.sub) {
          const u = claims.user;
          const name = u.name ?? ([u.givenName, u.familyName].filter(Boolean).join(' ') || undefined);
          // Only overwrite fields the platform sent: privacy settings often hide names on some launches.
          const values = Object.fromEntries(
            Object.entries({ name, given_name: u.givenName, family_name: u.familyName, email: u.email, picture: u.picture, locale: u.locale }).filter(([, v]) => v !== undefined),
          );
          userId = await upsert(trx, 'users', { platform_id: platformId, sub: claims.sub }, values, now);
        }
        let contextId: string | null = null;
        let resourceLinkId: string | null = null;
        if (claims.context) {
          const c = claims.context;
          contextId = await upsert(
            trx,
            'contexts',
            { deployment_id: deploymentRowId, context_id: c.id },
            { label: c.label ?? null, title: c.title ?? null, types: JSON.stringify(c.types) },
            now,
          );
          if (claims.resourceLink) {
            const rl = claims.resourceLink;
            resourceLinkId = await upsert(
              trx,
              'resource_links',
              { context_id: contextId, resource_link_id: rl.id },
              { title: rl.title ?? null, description: rl.description ?? null },
              now,
            );
          }
          if (userId) {
            await trx('enrolments')
              .insert({ context_id: contextId, user_id: userId, roles: JSON.stringify(claims.roles.raw), first_launch_at: now, last_launch_at: now })
              .onConflict(['context_id', 'user_id'])
              .merge({ roles: JSON.stringify(claims.roles.raw), last_launch_at: now });
          }
        }
        const rows = { userId, contextId, resourceLinkId };
        if (also) await also(trx, rows);
        return rows;
      });
    },
  };
}
