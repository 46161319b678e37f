/**
 * bench/analytics: what the instructor dashboard costs on a big course. Seeds one course with 500
 * learners, 20,000 posts (prompt answers, threads, replies; reactions, endorsements, accepted
 * answers, tags), the journey (prep completions, follow-ups, reflections, action plans with
 * barriers) and 200,000 embedded-LRS statements, all with batched inserts; then times the course
 * dashboard and a space dashboard through the service (in process, as the router calls it), one
 * call at a time. Prints seed time and p50/p95/max per dashboard. Issue 5's target: p95 < 200 ms on SQLite.
 *   npm run bench:analytics [-- --iterations 100 --learners 500 --posts 20000 --statements 200000]
 *   npm run bench:analytics -- --pg postgres://postgres@127.0.0.1:5432/test   (PostgreSQL)
 *   --keep  leaves the seeded database behind (its URL is printed) for EXPLAIN;
 *   --db <url>  times a database seeded (and kept) by an earlier run, without seeding again.
 * Wall time depends on what else the machine runs; the CPU time per call (process.cpuUsage, which
 * counts SQLite's worker threads too) is printed beside it as the load-independent figure.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { createAnalyticsService } from '../src/analytics/analytics-service.js';
import { createAnalyticsStore } from '../src/analytics/analytics-store.js';
import { fixedClock } from '../src/clock.js';
import { createDb, migrateLatest, type Db } from '../src/db/knex.js';
import { newId } from '../src/ids.js';
import { createRosterService } from '../src/journey/roster-service.js';
import { createRosterStore } from '../src/journey/roster-store.js';
import { mapRoles } from '../src/lti/claims.js';
import type { LaunchContext } from '../src/lti/launch-context.js';
import { createTestDatabase } from '../test/helpers/test-db.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    learners: { type: 'string', default: '500' },
    posts: { type: 'string', default: '20000' },
    statements: { type: 'string', default: '200000' },
    pg: { type: 'string' },
    keep: { type: 'boolean', default: false },
    db: { type: 'string' },
  },
});
if (values.pg) process.env.TEST_DATABASE_URL = values.pg;
const ITERATIONS = Number(values.iterations);
const WARMUP = Number(values.warmup);
const LEARNERS = Number(values.learners);
const POSTS = Number(values.posts);
const STATEMENTS = Number(values.statements);

const ZONE = 'Europe/Madrid';
const DAY = 24 * 60 * 60 * 1000;
const T0 = DateTime.fromISO('2027-01-04T09:00', { zone: ZONE }).toMillis();
const EVENT = T0 + 45 * DAY;
const NOW = T0 + 180 * DAY;
const LEARNER_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INSTRUCTOR_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
const BARRIERS = ['No time', 'Manager support', 'Tools missing', 'Too busy on shift', 'Team resistance', 'Budget', 'Forgot the steps', 'No opportunity yet'];

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
const fmt = (n: number): string => n.toFixed(1);

/** A deterministic integer hash: the same seed gives the same course on every run and database. */
function mix(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Multi-row inserts in chunks that stay under SQLite's compound-select and both databases' parameter limits. */
async function bulk(db: Db, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (!rows.length) return;
  const per = Math.max(1, Math.floor(400 / Object.keys(rows[0]!).length) * 10);
  const size = Math.min(per, 450);
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += size) await trx(table).insert(rows.slice(i, i + size));
  });
}

async function seed(db: Db): Promise<{ launch: LaunchContext; spaceIds: string[] }> {
  const platformId = newId();
  await db('platforms').insert({ id: platformId, issuer: 'https://lms.bench', client_id: 'bench', name: 'Bench LMS', product_family: null, auth_endpoint: 'https://lms.bench/auth', token_endpoint: 'https://lms.bench/token', jwks_uri: 'https://lms.bench/jwks', token_audience: null, source: 'manual', created_at: T0, updated_at: T0 });
  const deploymentId = newId();
  await db('deployments').insert({ id: deploymentId, platform_id: platformId, deployment_id: 'dep', created_at: T0 });
  const contextId = newId();
  await db('contexts').insert({ id: contextId, deployment_id: deploymentId, context_id: 'bench-course', label: 'BENCH', title: 'Bench course', types: '[]', created_at: T0, updated_at: T0 });

  // People: learners and one instructor, enrolled by launch and listed on the NRPS roster.
  const users = Array.from({ length: LEARNERS }, (_, i) => ({ id: newId(), sub: `learner-${i}`, name: `Learner ${String(i).padStart(3, '0')}` }));
  const instructor = { id: newId(), sub: 'instructor', name: 'Ina Instructor' };
  await bulk(db, 'users', [...users, instructor].map((u) => ({ id: u.id, platform_id: platformId, sub: u.sub, name: u.name, created_at: T0, updated_at: T0 })));
  await bulk(db, 'enrolments', [...users.map((u) => ({ u, role: LEARNER_ROLE })), { u: instructor, role: INSTRUCTOR_ROLE }].map(({ u, role }, i) => ({ context_id: contextId, user_id: u.id, roles: JSON.stringify([role]), first_launch_at: T0 + i, last_launch_at: T0 + i * 1000 })));
  await bulk(db, 'roster_members', [...users.map((u) => ({ u, role: LEARNER_ROLE, primary: 'learner' })), { u: instructor, role: INSTRUCTOR_ROLE, primary: 'instructor' }].map(({ u, role, primary }) => ({ context_id: contextId, sub: u.sub, name: u.name, roles: JSON.stringify([role]), primary_role: primary, status: 'Active', first_seen_at: T0, synced_at: NOW - 60_000, generation: 1 })));
  await db('roster_syncs').insert({ context_id: contextId, synced_at: NOW - 60_000, generation: 1, member_count: LEARNERS + 1, pages: 1 });

  // Two spaces around one event: prep (with three prompts) and post-event.
  const spaces = [newId(), newId()];
  await bulk(db, 'spaces', spaces.map((id, i) => ({ id, context_id: contextId, resource_link_id: null, kind: i === 0 ? 'prep' : 'post_event', title: i === 0 ? 'Prep' : 'After the event', event_at: EVENT, time_zone: ZONE, created_by: instructor.id, created_at: T0 + i, updated_at: T0 })));
  await bulk(db, 'journey_settings', spaces.map((id) => ({ space_id: id, event_end_at: EVENT + 8 * 3600_000, require_required_prompts: true, min_peer_replies: 0, updated_at: T0 })));
  const tags = spaces.flatMap((space) => Array.from({ length: 12 }, (_, i) => ({ id: newId(), space_id: space, label: `Topic ${i}`, label_key: `topic ${i}`, created_at: T0 })));
  await bulk(db, 'space_tags', tags);

  const threads: Array<Record<string, unknown>> = [];
  const posts: Array<Record<string, unknown>> = [];
  const body = (n: number) => `Post ${n}: ${'some words about the training and how it went '.repeat(3)}`;
  const post = (p: { thread: string; parent: string | null; branch: string | null; depth: number; author: string; at: number; n: number }) => {
    const id = newId();
    const h = mix(p.n * 7 + 1);
    posts.push({
      id, thread_id: p.thread, parent_post_id: p.parent, branch_id: p.branch, depth: p.depth, author_id: p.author, body_markdown: body(p.n), body_html: `<p>${body(p.n)}</p>`, render_version: 1, created_at: p.at,
      edited_at: null, deleted_at: h % 100 === 0 ? p.at + 3600_000 : null, hidden_at: h % 100 === 1 ? p.at + 3600_000 : null, hidden_by: null, reaction_count: 0, endorsed_at: h % 60 === 2 ? p.at + DAY : null, endorsed_by: null,
    });
    return id;
  };
  // Prompts: three threads in the prep space; each learner answers most of them before the event.
  const prompts = [0, 1, 2].map((i) => ({ id: newId(), i }));
  for (const p of prompts) {
    threads.push({ id: p.id, space_id: spaces[0], author_id: instructor.id, title: `Prompt ${p.i}`, kind: 'prompt', created_at: T0, updated_at: T0, last_activity_at: T0, reply_count: 0, accepted_post_id: null });
    post({ thread: p.id, parent: null, branch: null, depth: 0, author: instructor.id, at: T0, n: posts.length });
  }
  const promptDetails = prompts.map((p) => ({ thread_id: p.id, space_id: spaces[0], position: p.i, required: true, materials: '[]' }));
  const answers: Array<Record<string, unknown>> = [];
  const opening = new Map<string, string>();
  for (const p of prompts) opening.set(p.id, posts[p.i]!.id as string);
  for (let u = 0; u < LEARNERS; u++) {
    for (const p of prompts) {
      if (mix(u * 3 + p.i) % 10 === 0) continue;
      const at = T0 + (mix(u * 5 + p.i) % (44 * 24)) * 3600_000;
      const id = post({ thread: p.id, parent: opening.get(p.id)!, branch: null, depth: 1, author: users[u]!.id, at, n: posts.length });
      posts[posts.length - 1]!.branch_id = id;
      answers.push({ thread_id: p.id, user_id: users[u]!.id, post_id: id, created_at: at });
    }
  }
  // Threads (a third of them questions) with replies, until the course has POSTS posts.
  const nThreads = Math.round((POSTS - posts.length) / 10);
  const threadTags: Array<Record<string, unknown>> = [];
  const threadInfo: Array<{ id: string; opening: string; at: number; question: boolean; firstReply?: string }> = [];
  for (let t = 0; t < nThreads; t++) {
    const h = mix(1000 + t);
    const space = spaces[t % 2]!;
    const at = T0 + (h % (179 * 24)) * 3600_000;
    const id = newId();
    const question = h % 3 === 0;
    threads.push({ id, space_id: space, author_id: users[h % LEARNERS]!.id, title: `Thread ${t}`, kind: question ? 'question' : 'discussion', created_at: at, updated_at: at, last_activity_at: at, reply_count: 0, accepted_post_id: null });
    const op = post({ thread: id, parent: null, branch: null, depth: 0, author: users[h % LEARNERS]!.id, at, n: posts.length });
    threadInfo.push({ id, opening: op, at, question });
    const own = tags.filter((g) => g.space_id === space);
    for (const g of new Set([own[h % 12]!, own[(h >>> 8) % 12]!])) threadTags.push({ thread_id: id, tag_id: g.id, created_at: at });
  }
  let r = 0;
  while (posts.length < POSTS) {
    const h = mix(50_000 + r++);
    const t = threadInfo[h % threadInfo.length]!;
    // Questions with h%7==0 stay unanswered.
    if (t.question && mix(t.at) % 7 === 0) continue;
    const at = t.at + ((h >>> 4) % (72 * 60)) * 60_000;
    const deep = t.firstReply && h % 4 === 0;
    const id = post({ thread: t.id, parent: deep ? t.firstReply! : t.opening, branch: deep ? t.firstReply! : null, depth: deep ? 2 : 1, author: users[(h >>> 3) % LEARNERS]!.id, at, n: posts.length });
    if (!deep) posts[posts.length - 1]!.branch_id = id;
    t.firstReply ??= id;
  }
  for (const t of threadInfo) if (t.question && t.firstReply && mix(t.at + 1) % 2 === 0) threads.find((x) => x.id === t.id)!.accepted_post_id = t.firstReply;
  // Reactions: 1.5 per post on average, one per user per post, counted on the post as the app does.
  const reactions = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < POSTS * 1.5; i++) {
    const h = mix(900_000 + i);
    const p = posts[h % posts.length]!;
    const user = users[(h >>> 5) % LEARNERS]!.id;
    if (user === p.author_id || reactions.has(`${p.id} ${user}`)) continue;
    reactions.set(`${p.id} ${user}`, { post_id: p.id, user_id: user, id: newId(), created_at: (p.created_at as number) + ((h >>> 9) % 48) * 3600_000 });
    p.reaction_count = (p.reaction_count as number) + 1;
  }
  await bulk(db, 'threads', threads);
  await bulk(db, 'posts', posts);
  await bulk(db, 'prompt_details', promptDetails);
  await bulk(db, 'prompt_answers', answers);
  await bulk(db, 'thread_tags', threadTags);
  await bulk(db, 'post_reactions', [...reactions.values()]);

  // Journey: completions before the event, follow-ups, reflections, plans with status and barrier history.
  await bulk(db, 'journey_prep_completions', users.filter((_, i) => mix(i) % 5 !== 0).map((u, i) => ({ space_id: spaces[0], user_id: u.id, completed_at: T0 + (mix(i + 77) % (44 * 24)) * 3600_000 })));
  const followUps = [7, 30, 90].map((days) => ({ id: newId(), space_id: spaces[1], days, created_at: EVENT }));
  await bulk(db, 'journey_follow_ups', followUps);
  const reflections = followUps.flatMap((f, k) => users.filter((_, i) => mix(i * 11 + k) % (k + 2) === 0).map((u) => ({ id: newId(), follow_up_id: f.id, user_id: u.id, applied_markdown: 'Yes', helped_markdown: '', hindered_markdown: '', created_at: EVENT + f.days * DAY + 3600_000, updated_at: EVENT + f.days * DAY + 3600_000 })));
  await bulk(db, 'journey_reflections', reflections);
  const plans = users.map((u, i) => ({ id: newId(), space_id: spaces[1], user_id: u.id, goal: 'Apply it', situation: 'Work', target_date: null, status: 'planned', barrier: '', created_at: EVENT + DAY + i * 1000, updated_at: EVENT + DAY }));
  const changes: Array<Record<string, unknown>> = [];
  plans.forEach((p, i) => {
    changes.push({ id: newId(), plan_id: p.id, status: 'planned', barrier: '', changed_at: p.created_at });
    const h = mix(i + 4242);
    if (h % 3 === 0) changes.push({ id: newId(), plan_id: p.id, status: 'blocked', barrier: BARRIERS[h % BARRIERS.length]!, changed_at: p.created_at + (h % 60) * DAY });
    if (h % 2 === 0) changes.push({ id: newId(), plan_id: p.id, status: h % 4 === 0 ? 'worked' : 'tried', barrier: '', changed_at: p.created_at + (h % 120) * DAY });
  });
  await bulk(db, 'journey_action_plans', plans);
  await bulk(db, 'journey_action_plan_changes', changes);

  // The embedded LRS: STATEMENTS statements of the course (a dashboard must not slow down as they pile up).
  const verbs = ['https://w3id.org/xapi/acrossx/verbs/posted', 'http://id.tincanapi.com/verb/replied', 'https://w3id.org/xapi/acrossx/verbs/liked', 'http://id.tincanapi.com/verb/viewed', 'http://adlnet.gov/expapi/verbs/answered'];
  const course = 'https://bench.example/xapi/courses/bench';
  for (let i = 0; i < STATEMENTS; i += 10_000) {
    const rows: Array<Record<string, unknown>> = [];
    const acts: Array<Record<string, unknown>> = [];
    for (let k = i; k < Math.min(STATEMENTS, i + 10_000); k++) {
      const id = newId();
      const verb = verbs[k % verbs.length]!;
      const stored = T0 + Math.floor((k / STATEMENTS) * 179 * DAY);
      const object = `https://bench.example/posts/${k}`;
      const statement = { id, actor: { objectType: 'Agent', account: { homePage: 'https://lms.bench', name: `learner-${k % LEARNERS}` } }, verb: { id: verb }, object: { objectType: 'Activity', id: object }, context: { contextActivities: { grouping: [{ id: course }] } }, timestamp: new Date(stored).toISOString(), stored: new Date(stored).toISOString(), version: '1.0.0' };
      rows.push({ id, statement: JSON.stringify(statement), content_hash: id.replace(/-/g, '').padEnd(64, '0'), verb_id: verb, actor_key: `account::https://lms.bench::learner-${k % LEARNERS}`, activity_id: object, object_statement_id: null, registration: null, stored, timestamp: new Date(stored).toISOString(), voided: false });
      acts.push({ statement_id: id, activity_id: course, related: true });
    }
    await bulk(db, 'lrs_statements', rows);
    await bulk(db, 'lrs_statement_activities', acts);
  }

  const launch = launchOf({ platformId, deploymentId, contextId, instructor });
  return { launch, spaceIds: spaces };
}

/** The launch of the instructor of a database seeded earlier (--db). */
async function seeded(db: Db): Promise<{ launch: LaunchContext; spaceIds: string[] }> {
  const c = await db('contexts').where({ context_id: 'bench-course' }).first();
  const d = await db('deployments').where({ id: c.deployment_id }).first();
  const p = await db('platforms').where({ id: d.platform_id }).first();
  const u = await db('users').where({ platform_id: p.id, sub: 'instructor' }).first();
  const spaceIds = (await db('spaces').where({ context_id: c.id }).orderBy('created_at').select('id')).map((r: { id: string }) => r.id);
  return { launch: launchOf({ platformId: p.id, deploymentId: d.id, contextId: c.id, instructor: { id: u.id, sub: u.sub, name: u.name } }), spaceIds };
}

function launchOf(o: { platformId: string; deploymentId: string; contextId: string; instructor: { id: string; sub: string; name: string } }): LaunchContext {
  return {
    messageType: 'LtiResourceLinkRequest',
    platform: { id: o.platformId, issuer: 'https://lms.bench', clientId: 'bench', productFamily: null },
    deployment: { id: o.deploymentId, deploymentId: 'dep' },
    user: { id: o.instructor.id, sub: o.instructor.sub, name: o.instructor.name, email: null, picture: null },
    context: { id: o.contextId, contextId: 'bench-course', label: 'BENCH', title: 'Bench course' },
    resourceLink: null,
    roles: mapRoles([INSTRUCTOR_ROLE]),
    mentees: [],
    locale: 'en',
    returnUrl: null,
    documentTarget: null,
    custom: {},
    nrps: null,
    ags: null,
    deepLinking: null,
    launchedAt: NOW,
  };
}

async function main() {
  const database = values.db ? { url: values.db, kind: values.db.startsWith('postgres') ? 'pg' : 'sqlite', drop: async () => undefined } : await createTestDatabase();
  const db = createDb(database.url);
  try {
    await migrateLatest(db);
    let course: { launch: LaunchContext; spaceIds: string[] };
    if (values.db) course = await seeded(db);
    else {
      const t0 = performance.now();
      course = await seed(db);
      const seedMs = performance.now() - t0;
      const counts = await Promise.all(['posts', 'post_reactions', 'threads', 'lrs_statements'].map(async (t) => `${t} ${Number((await db(t).count({ n: '*' }).first())!.n)}`));
      console.log(`${database.kind}: seeded in ${(seedMs / 1000).toFixed(1)} s (${counts.join(', ')}; ${LEARNERS} learners)`);
    }
    const { launch, spaceIds } = course;

    const clock = fixedClock(NOW);
    const log = { warn: () => undefined };
    const roster = createRosterService({ store: createRosterStore(db), nrps: { members: async () => ({ members: [], pages: 0 }) } as never, platforms: { get: async () => null }, clock, log });
    const analytics = createAnalyticsService({ store: createAnalyticsStore(db), roster, clock });
    const runs: Array<[string, () => Promise<unknown>]> = [
      ['course dashboard', () => analytics.courseDashboard(launch)],
      ['space dashboard (prep)', () => analytics.spaceDashboard(launch, spaceIds[0]!)],
      ['space dashboard (post-event)', () => analytics.spaceDashboard(launch, spaceIds[1]!)],
    ];
    const sample = (await analytics.courseDashboard(launch)) as Awaited<ReturnType<typeof analytics.courseDashboard>>;
    console.log(`course dashboard: ${sample.learners} learners, ${sample.prepared} prepared, ${sample.response.questions} questions (${sample.response.unanswered.length} unanswered), ${sample.engagement.length} days, ${sample.transfer.length} follow-ups, ${sample.barriers.length} barriers, ${sample.contributors.length} contributors, ${sample.trendingTags.length} tags`);
    console.log('dashboard                        p50 ms   p95 ms   max ms   CPU p50   CPU p95');
    // Alternating blocks, so machine noise falls on all three alike.
    const times = new Map<string, number[]>(runs.map(([name]) => [name, []]));
    const cpu = new Map<string, number[]>(runs.map(([name]) => [name, []]));
    for (let i = 0; i < WARMUP; i++) for (const [, fn] of runs) await fn();
    for (let block = 0; block < ITERATIONS; block += 10) {
      for (const [name, fn] of runs) {
        for (let i = 0; i < Math.min(10, ITERATIONS - block); i++) {
          const s = performance.now();
          const c0 = process.cpuUsage();
          await fn();
          const c1 = process.cpuUsage(c0);
          times.get(name)!.push(performance.now() - s);
          cpu.get(name)!.push((c1.user + c1.system) / 1000);
        }
      }
    }
    for (const [name, list] of times) {
      const sorted = [...list].sort((a, b) => a - b);
      const c = [...cpu.get(name)!].sort((a, b) => a - b);
      console.log(`${name.padEnd(30)} ${fmt(pct(sorted, 0.5)).padStart(8)} ${fmt(pct(sorted, 0.95)).padStart(8)} ${fmt(sorted.at(-1)!).padStart(8)} ${fmt(pct(c, 0.5)).padStart(9)} ${fmt(pct(c, 0.95)).padStart(9)}`);
    }
  } finally {
    await db.destroy();
    if (values.keep) console.log(`kept: ${database.url}`);
    else await database.drop();
  }
}

await main();
