import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/**
 * What store tests stand on: a migrated database of their own, one platform with one deployment,
 * a course or two, some users, and spaces, written straight through the stores and tables (no
 * launches: store tests test stores).
 */
export interface StoreDb {
  database: TestDatabase;
  db: Db;
  close(): Promise<void>;
}

export async function openStoreDb(): Promise<StoreDb> {
  const database = await createTestDatabase();
  const db = createDb(database.url);
  await migrateLatest(db);
  return {
    database,
    db,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

export interface SeedUser {
  id: string;
  sub: string;
  name: string | null;
}

export interface SeededCourses {
  platformId: string;
  deploymentId: string;
  /** Our context row ids, in the order of `courses`. */
  contexts: string[];
}

/** One platform and deployment, a context per LMS course id, and the users (on that platform). */
export async function seedCourses(db: Db, at: number, opts: { courses?: string[]; users?: SeedUser[] } = {}): Promise<SeededCourses> {
  const platforms = createPlatformStore(db);
  const platform = await platforms.upsert(
    { issuer: 'https://lms.example', clientId: 'client', name: 'LMS', productFamily: null, authEndpoint: 'https://lms.example/auth', tokenEndpoint: 'https://lms.example/token', jwksUri: 'https://lms.example/jwks', tokenAudience: null, source: 'manual' },
    at,
  );
  const deployment = await platforms.addDeployment(platform.id, 'dep-1', at);
  const contexts: string[] = [];
  for (const lms of opts.courses ?? ['course-a', 'course-b']) {
    const id = newId();
    await db('contexts').insert({ id, deployment_id: deployment.id, context_id: lms, label: null, title: lms, types: '[]', created_at: at, updated_at: at });
    contexts.push(id);
  }
  for (const u of opts.users ?? []) await db('users').insert({ id: u.id, platform_id: platform.id, sub: u.sub, name: u.name, created_at: at, updated_at: at });
  return { platformId: platform.id, deploymentId: deployment.id, contexts };
}

/** `{ ann: id, … }` as users whose sub is the key and whose name is the key in capitals. */
export const usersFrom = (ids: Record<string, string>): SeedUser[] => Object.entries(ids).map(([sub, id]) => ({ id, sub, name: sub.toUpperCase() }));

/** A prep space with no link, no event, in UTC. */
export async function seedSpace(db: Db, contextId: string, title: string, at: number): Promise<string> {
  return (await createSpaceStore(db).create({ contextId, resourceLinkId: null, kind: 'prep', title, eventAt: null, timeZone: 'UTC', createdBy: null }, at)).id;
}
