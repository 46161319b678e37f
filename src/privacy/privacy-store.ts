import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { newId, sha256 } from '../ids.js';
import { indexPostIn } from '../search/search-index.js';
import { canonicalJson } from '../xapi/lrs/lrs-service.js';
import { agentKey, indexStatement } from '../xapi/lrs/ifi.js';

/**
 * Every table that holds personal data, read (export) and cleared (erase) in one place, so a
 * new table has one file to join. Keyed by our user id; the user's LTI identity (platform
 * issuer + sub) finds what is keyed by it instead: the NRPS roster and xAPI statements.
 */

type Trx = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

export interface PrivacyUser {
  id: string;
  platformId: string;
  issuer: string;
  clientId: string;
  sub: string;
}

/** An anonymous xAPI account (Data §2.4.2.4) that stands in for an erased learner. */
export interface AnonymousAccount {
  homePage: string;
  name: string;
}

export interface RawExport {
  user: Row;
  tables: Record<string, Row[]>;
}

export interface ErasureRecord {
  userId: string;
  platformId: string | null;
  reason: string;
  erasedBy: string;
  counts: Record<string, number>;
  erasedAt: number;
}

export interface PrivacyStore {
  findUser(userId: string): Promise<PrivacyUser | null>;
  findUserBySub(issuer: string, clientId: string | null, sub: string): Promise<PrivacyUser[]>;
  /** Everything we hold about the user, rows as stored (the service shapes them). */
  collect(user: PrivacyUser): Promise<RawExport>;
  /** Removes or anonymises every row of the user, inside `trx`; row counts per table. */
  erase(trx: Knex.Transaction, user: PrivacyUser, anon: AnonymousAccount): Promise<Record<string, number>>;
  recordErasure(trx: Trx, e: ErasureRecord): Promise<void>;
  erasure(userId: string): Promise<ErasureRecord | null>;
  /** Platforms with a retention period set. */
  retentionPlatforms(): Promise<Array<{ id: string; issuer: string; clientId: string; retentionDays: number }>>;
  setRetention(platformId: string, days: number | null): Promise<boolean>;
  findPlatforms(issuer: string | null, clientId: string | null): Promise<Array<{ id: string; issuer: string; clientId: string; retentionDays: number | null }>>;
  /** Users of the platform whose last launch (and last profile update) is before `before`. */
  inactiveUsers(platformId: string, before: number, limit: number): Promise<string[]>;
  /**
   * Delivered outbox rows created before `before`: they have done their job. Dead letters stay
   * until an admin retries them (npm run xapi -- dead-letters).
   */
  pruneOutbox(before: number): Promise<number>;
  pruneLoginStates(before: number): Promise<number>;
  pruneSessions(before: number): Promise<number>;
}

const accountOf = (v: unknown): { homePage?: unknown; name?: unknown } | null => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const acc = (v as Row).account;
  return typeof acc === 'object' && acc !== null ? (acc as Row) : null;
};

/**
 * Replaces, anywhere in a statement (actor, an Agent object, context instructor/team, a
 * sub-statement, an authority), the agent identified by the user's account with the anonymous
 * one. Only the IFI is kept (xAPI 1.0.3 Data §2.4.2.3: exactly one IFI identifies an agent), so a
 * display `name` goes too.
 */
export function anonymiseAgents(value: unknown, issuer: string, sub: string, anon: AnonymousAccount): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const acc = accountOf(v);
    if (acc && acc.homePage === issuer && acc.name === sub) {
      changed = true;
      const o = v as Row;
      return { ...(o.objectType !== undefined ? { objectType: o.objectType } : {}), account: { homePage: anon.homePage, name: anon.name } };
    }
    return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, walk(x)]));
  };
  const out = walk(value);
  return { value: out, changed };
}

/** LIKE pattern for text containing `needle` literally (% _ and \ escaped; ESCAPE '\' on both databases). */
const containing = (needle: string): string => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createPrivacyStore(db: Db): PrivacyStore {
  const userQuery = (q: Trx) =>
    q('users as u').join('platforms as p', 'p.id', 'u.platform_id').select('u.id', 'u.platform_id', 'p.issuer', 'p.client_id', 'u.sub');
  const toUser = (r: Row): PrivacyUser => ({ id: String(r.id), platformId: String(r.platform_id), issuer: String(r.issuer), clientId: String(r.client_id), sub: String(r.sub) });

  /** The user's posts (ids), any state. */
  const postIds = (q: Trx, userId: string) => q('posts').where({ author_id: userId }).pluck<string[]>('id');
  /** Contexts of the user's platform: the NRPS roster is keyed by (context, sub). */
  const platformContexts = (q: Trx, platformId: string) => q('contexts as c').join('deployments as d', 'd.id', 'c.deployment_id').where('d.platform_id', platformId).select('c.id');

  async function outboxRowsOf(q: Trx, user: PrivacyUser): Promise<Row[]> {
    const rows = (await q('xapi_outbox').whereRaw(`statement like ? escape '\\'`, [containing(JSON.stringify(user.sub))]).select('*')) as Row[];
    // The LIKE only narrows; the account (issuer and sub together) decides.
    return rows.filter((r) => anonymiseAgents(JSON.parse(String(r.statement)), user.issuer, user.sub, { homePage: '', name: '' }).changed);
  }

  const isActor = (statement: unknown, user: PrivacyUser): boolean => {
    const acc = accountOf((JSON.parse(String(statement)) as Row).actor);
    return acc?.homePage === user.issuer && acc?.name === user.sub;
  };

  const lrsKey = (user: PrivacyUser): string => agentKey({ account: { homePage: user.issuer, name: user.sub } })!;

  async function lrsStatementIds(q: Trx, user: PrivacyUser): Promise<string[]> {
    return q('lrs_statement_agents').where({ agent_key: lrsKey(user) }).distinct('statement_id').pluck<string[]>('statement_id');
  }

  return {
    async findUser(userId) {
      const r = (await userQuery(db).where('u.id', userId).first()) as Row | undefined;
      return r ? toUser(r) : null;
    },

    async findUserBySub(issuer, clientId, sub) {
      const q = userQuery(db).where('p.issuer', issuer).where('u.sub', sub);
      if (clientId !== null) q.where('p.client_id', clientId);
      return ((await q) as Row[]).map(toUser);
    },

    async collect(user) {
      const uid = user.id;
      const posts = await postIds(db, uid);
      const inChunks = async (ids: string[], f: (chunk: string[]) => Promise<Row[]>): Promise<Row[]> => {
        const out: Row[] = [];
        for (let i = 0; i < ids.length; i += 500) out.push(...(await f(ids.slice(i, i + 500))));
        return out;
      };
      const tables: Record<string, Row[]> = {
        enrolments: await db('enrolments as e').join('contexts as c', 'c.id', 'e.context_id').where('e.user_id', uid).select('c.context_id as course_id', 'c.title as course_title', 'e.roles', 'e.first_launch_at', 'e.last_launch_at').orderBy('e.first_launch_at'),
        // The session token and CSRF token are secrets, not data about the person: never exported.
        sessions: await db('sessions as s').leftJoin('contexts as c', 'c.id', 's.context_id').where('s.user_id', uid).select('c.title as course_title', 's.launch', 's.created_at', 's.expires_at').orderBy('s.created_at'),
        threads: await db('threads as t').join('spaces as s', 's.id', 't.space_id').where('t.author_id', uid).select('t.id', 's.title as space_title', 't.title', 't.kind', 't.created_at', 't.updated_at').orderBy('t.created_at'),
        posts: await db('posts as p').join('threads as t', 't.id', 'p.thread_id').where('p.author_id', uid).select('p.id', 'p.thread_id', 't.title as thread_title', 'p.parent_post_id', 'p.body_markdown', 'p.created_at', 'p.edited_at', 'p.deleted_at', 'p.hidden_at').orderBy('p.created_at'),
        post_revisions: await inChunks(posts, (c) => db('post_revisions').whereIn('post_id', c).select('post_id', 'title', 'body_markdown', 'written_at', 'replaced_at').orderBy('written_at')),
        reactions: await db('post_reactions').where({ user_id: uid }).select('post_id', 'created_at').orderBy('created_at'),
        flags: await db('post_flags').where({ user_id: uid }).select('post_id', 'reason', 'note', 'created_at', 'resolved_at', 'resolution').orderBy('created_at'),
        notifications: await db('notifications').where({ user_id: uid }).select('kind', 'post_id', 'created_at', 'read_at').orderBy('created_at'),
        space_visits: await db('space_visits as v').join('spaces as s', 's.id', 'v.space_id').where('v.user_id', uid).select('s.title as space_title', 'v.previous_visit_at', 'v.current_visit_at'),
        thread_reads: await db('thread_reads as r').join('threads as t', 't.id', 'r.thread_id').where('r.user_id', uid).select('t.title as thread_title', 'r.last_read_at'),
        pseudonyms: await db('space_pseudonyms as p').join('spaces as s', 's.id', 'p.space_id').where('p.user_id', uid).select('s.title as space_title', 'p.number'),
        prompt_answers: await db('prompt_answers as a').join('threads as t', 't.id', 'a.thread_id').where('a.user_id', uid).select('t.title as prompt_title', 'a.post_id', 'a.created_at'),
        expert_profiles: await db('expert_profiles as e').join('contexts as c', 'c.id', 'e.context_id').where('e.user_id', uid).select('c.title as course_title', 'e.bio_markdown', 'e.expertise', 'e.open_to_mentoring', 'e.updated_at'),
        prep_completions: await db('journey_prep_completions as j').join('spaces as s', 's.id', 'j.space_id').where('j.user_id', uid).select('s.title as space_title', 'j.completed_at'),
        reflections: await db('journey_reflections as r').join('journey_follow_ups as f', 'f.id', 'r.follow_up_id').join('spaces as s', 's.id', 'f.space_id').where('r.user_id', uid).select('s.title as space_title', 'f.days as follow_up_days', 'r.applied_markdown', 'r.helped_markdown', 'r.hindered_markdown', 'r.created_at', 'r.updated_at'),
        action_plans: await db('journey_action_plans as a').join('spaces as s', 's.id', 'a.space_id').where('a.user_id', uid).select('a.id', 's.title as space_title', 'a.goal', 'a.situation', 'a.target_date', 'a.status', 'a.barrier', 'a.created_at', 'a.updated_at').orderBy('a.created_at'),
        action_plan_changes: await db('journey_action_plan_changes as c').join('journey_action_plans as a', 'a.id', 'c.plan_id').where('a.user_id', uid).select('c.plan_id', 'c.status', 'c.barrier', 'c.changed_at').orderBy('c.changed_at'),
        roster: await db('roster_members as r').join('contexts as c', 'c.id', 'r.context_id').whereIn('r.context_id', platformContexts(db, user.platformId)).where('r.sub', user.sub).select('c.title as course_title', 'r.name', 'r.roles', 'r.primary_role', 'r.status', 'r.first_seen_at', 'r.synced_at'),
        grades: await db('grade_syncs as g').join('spaces as s', 's.id', 'g.space_id').where('g.user_id', uid).select('s.title as space_title', 'g.score', 'g.status', 'g.synced_at', 'g.updated_at'),
        spaces_created: await db('spaces').where({ created_by: uid }).select('id', 'title', 'created_at'),
        // Statements by the user (they are the actor). Statements by others that merely mention
        // them are the others' records and are not handed over; erasure anonymises them too.
        xapi_outbox: (await outboxRowsOf(db, user)).filter((r) => isActor(r.statement, user)).map((r) => ({ statement: r.statement, created_at: r.created_at, delivered_at: r.delivered_at })),
        lrs_statements: await db('lrs_statements')
          .whereIn('id', db('lrs_statement_agents').where({ agent_key: lrsKey(user), related: false }).select('statement_id'))
          .where({ actor_key: lrsKey(user) })
          .select('statement', 'stored', 'voided')
          .orderBy('stored'),
        lrs_documents: await db('lrs_documents').where({ agent_key: lrsKey(user) }).select('kind', 'activity_id', 'document_id', 'content_type', 'content', 'updated'),
      };
      const user_ = (await db('users').where({ id: uid }).first('id', 'sub', 'name', 'given_name', 'family_name', 'email', 'picture', 'locale', 'created_at', 'updated_at')) as Row;
      return { user: user_, tables };
    },

    async erase(trx, user, anon) {
      const uid = user.id;
      const counts: Record<string, number> = {};
      const count = (table: string, n: number | unknown): void => {
        const v = typeof n === 'number' ? n : Array.isArray(n) ? n.length : Number(n);
        if (v) counts[table] = (counts[table] ?? 0) + v;
      };
      // Reactions: the rows go (who found what helpful is about the person), and with them their
      // share of the posts' and threads' counts, so counts keep matching rows.
      const reactions = (await trx('post_reactions as r').join('posts as p', 'p.id', 'r.post_id').where('r.user_id', uid).select('r.post_id', 'p.thread_id')) as Array<{ post_id: string; thread_id: string }>;
      for (const r of reactions) {
        await trx('posts').where({ id: r.post_id }).where('reaction_count', '>', 0).decrement('reaction_count', 1);
        await trx('threads').where({ id: r.thread_id }).where('reaction_count', '>', 0).decrement('reaction_count', 1);
      }
      count('post_reactions', await trx('post_reactions').where({ user_id: uid }).delete());

      // Posts and threads stay (other people replied to them) but lose their author: the pages
      // show "former member". Words of posts the user had already deleted are cleared, and old
      // versions of their posts go: the discussion needs the current words, not their history.
      const posts = await postIds(trx, uid);
      for (let i = 0; i < posts.length; i += 500) {
        const chunk = posts.slice(i, i + 500);
        count('post_revisions', await trx('post_revisions').whereIn('post_id', chunk).delete());
        count('posts (deleted, words cleared)', await trx('posts').whereIn('id', chunk).whereNotNull('deleted_at').update({ body_markdown: '', body_html: '' }));
      }
      count('posts', await trx('posts').where({ author_id: uid }).update({ author_id: null }));
      count('threads', await trx('threads').where({ author_id: uid }).update({ author_id: null }));
      // The search index holds post words, not authors; re-indexing each post keeps it exactly in
      // step with what is left (a deleted post's document is removed).
      for (const id of posts) await indexPostIn(trx, id);
      // Moderation and staff marks by the user: kept, unattributed.
      await trx('posts').where({ hidden_by: uid }).update({ hidden_by: null });
      await trx('posts').where({ endorsed_by: uid }).update({ endorsed_by: null });
      await trx('post_revisions').where({ replaced_by: uid }).update({ replaced_by: null });
      await trx('post_flags').where({ resolved_by: uid }).update({ resolved_by: null });
      await trx('spaces').where({ created_by: uid }).update({ created_by: null });
      await trx('notifications').where({ actor_id: uid }).update({ actor_id: null });

      for (const table of ['post_flags', 'notifications', 'space_visits', 'thread_reads', 'space_pseudonyms', 'prompt_answers', 'expert_profiles', 'journey_prep_completions', 'journey_reflections', 'grade_syncs', 'sessions', 'enrolments']) {
        count(table, await trx(table).where({ user_id: uid }).delete());
      }
      // Plans' change history goes with them (ON DELETE CASCADE), counted first.
      count('journey_action_plan_changes', await trx('journey_action_plan_changes').whereIn('plan_id', trx('journey_action_plans').where({ user_id: uid }).select('id')).delete());
      count('journey_action_plans', await trx('journey_action_plans').where({ user_id: uid }).delete());
      count('roster_members', await trx('roster_members').whereIn('context_id', platformContexts(trx, user.platformId)).where({ sub: user.sub }).delete());

      // xAPI outbox: every row naming the user (queued or already sent) now names the anonymous
      // account, so what is still to be sent leaves without the person in it.
      for (const r of await outboxRowsOf(trx, user)) {
        const { value } = anonymiseAgents(JSON.parse(String(r.statement)), user.issuer, user.sub, anon);
        await trx('xapi_outbox').where({ id: r.id }).update({ statement: JSON.stringify(value) });
        count('xapi_outbox', 1);
      }

      // Embedded LRS: rewritten, not voided. Voiding (xAPI 1.0.3 Data §2.3.2) only hides a
      // statement from ordinary queries; it stays stored, retrievable by voidedStatementId, and
      // still names the person. So the agent is replaced by the anonymous account (Data §2.4.2.4)
      // and the agent index rebuilt, an exception to immutability (Data §2.3.1) that erasure
      // requires. Ids stay, so StatementRefs and per-actor counts still hold. README "Personal data".
      const key = lrsKey(user);
      for (const id of await lrsStatementIds(trx, user)) {
        const row = (await trx('lrs_statements').where({ id }).first('statement')) as { statement: string } | undefined;
        if (!row) continue;
        const { value } = anonymiseAgents(JSON.parse(row.statement), user.issuer, user.sub, anon);
        const full = value as Row;
        const index = indexStatement(full);
        const { stored: _stored, ...submitted } = full;
        await trx('lrs_statements').where({ id }).update({ statement: JSON.stringify(full), actor_key: index.actorKey, content_hash: sha256(canonicalJson(submitted)) });
        await trx('lrs_statement_agents').where({ statement_id: id }).delete();
        if (index.agents.length) await trx('lrs_statement_agents').insert(index.agents.map(([agent_key, related]) => ({ statement_id: id, agent_key, related })));
        count('lrs_statements', 1);
      }
      count('lrs_documents', await trx('lrs_documents').where({ agent_key: key }).delete());

      count('users', await trx('users').where({ id: uid }).delete());
      return counts;
    },

    async recordErasure(trx, e) {
      await trx('privacy_erasures')
        .insert({ id: newId(), user_id: e.userId, platform_id: e.platformId, reason: e.reason, erased_by: e.erasedBy.slice(0, 255), counts: JSON.stringify(e.counts), erased_at: e.erasedAt })
        .onConflict('user_id')
        .ignore();
    },

    async erasure(userId) {
      const r = (await db('privacy_erasures').where({ user_id: userId }).first()) as Row | undefined;
      if (!r) return null;
      return { userId: String(r.user_id), platformId: (r.platform_id as string | null) ?? null, reason: String(r.reason), erasedBy: String(r.erased_by), counts: JSON.parse(String(r.counts)) as Record<string, number>, erasedAt: Number(r.erased_at) };
    },

    async retentionPlatforms() {
      const rows = (await db('platforms').whereNotNull('retention_days').select('id', 'issuer', 'client_id', 'retention_days').orderBy('id')) as Row[];
      return rows.map((r) => ({ id: String(r.id), issuer: String(r.issuer), clientId: String(r.client_id), retentionDays: Number(r.retention_days) }));
    },

    async setRetention(platformId, days) {
      return (await db('platforms').where({ id: platformId }).update({ retention_days: days })) === 1;
    },

    async findPlatforms(issuer, clientId) {
      const q = db('platforms').select('id', 'issuer', 'client_id', 'retention_days').orderBy(['issuer', 'client_id']);
      // The CLI's --platform takes an issuer or Threadline's platform id.
      if (issuer !== null) q.where((w) => w.where({ issuer }).orWhere({ id: issuer }));
      if (clientId !== null) q.where({ client_id: clientId });
      return ((await q) as Row[]).map((r) => ({ id: String(r.id), issuer: String(r.issuer), clientId: String(r.client_id), retentionDays: r.retention_days === null || r.retention_days === undefined ? null : Number(r.retention_days) }));
    },

    async inactiveUsers(platformId, before, limit) {
      // Last activity = the latest launch in any course (enrolments), or the profile's last update
      // (every launch writes it) for a user with no course launch.
      return db('users as u')
        .leftJoin('enrolments as e', 'e.user_id', 'u.id')
        .where('u.platform_id', platformId)
        .where('u.updated_at', '<', before)
        .groupBy('u.id')
        .havingRaw('max(e.last_launch_at) is null or max(e.last_launch_at) < ?', [before])
        .orderBy('u.id')
        .limit(limit)
        .pluck<string[]>('u.id');
    },

    async pruneOutbox(before) {
      return db('xapi_outbox')
        .where('created_at', '<', before)
        .whereNotNull('delivered_at')
        .delete();
    },

    async pruneLoginStates(before) {
      return db('login_states').where('expires_at', '<', before).delete();
    },

    async pruneSessions(before) {
      return db('sessions').where('expires_at', '<', before).delete();
    },
  };
}

