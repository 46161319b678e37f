import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { sha256 } from '../../src/ids.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { PlatformEmulator, type LaunchSpec } from './emulator/platform-emulator.js';
import { freePort, launch, registerEmulator } from './stack.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { TestBrowser, type Page } from './test-browser.js';
import { spawnTool, type ToolProcess } from './tool-process.js';

/** Scripts post far faster than people: write limits are lifted (as stack.ts does in process). */
export const LIFTED_RATE_LIMITS = { RATE_POSTS_PER_MINUTE: '1000000', RATE_POSTS_PER_HOUR: '1000000', RATE_FLAGS_PER_HOUR: '1000000', RATE_REACTIONS_PER_HOUR: '1000000' };

/** Someone launched into the course, who can be sent to any instance request by request. */
export interface ClusterUser {
  token: string;
  csrf: string;
  browser: TestBrowser;
  /** Where the launch landed (path with the session token). */
  landing: string;
  /** `at`: the instance that serves the request (default: the one the launch went to). */
  get(path: string, at?: number): Promise<Page>;
  post(path: string, fields?: Record<string, string>, at?: number): Promise<Page>;
}

/**
 * Several Threadline processes on one database, as an institution runs them behind a load
 * balancer: they share one PUBLIC_URL (the balancer's address, where nothing listens here) and
 * the client decides which instance serves each request, the way a balancer would, by rewriting
 * the public origin to that instance's. No sticky sessions: any request may go to any instance.
 */
export class Cluster {
  readonly instances: Array<ToolProcess | null> = [];

  private constructor(
    readonly publicUrl: string,
    readonly database: TestDatabase,
    readonly emu: PlatformEmulator,
    /** The test's own connection, for seeding and for checking what the instances wrote. */
    readonly db: Db,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Migrates a fresh database (or `opts.database`), registers the emulator, starts `count`
   * instances. `env` is added to every instance's environment.
   */
  static async start(opts: { count: number; env?: Record<string, string>; database?: TestDatabase; nodeArgs?: string[] }): Promise<Cluster> {
    const database = opts.database ?? (await createTestDatabase());
    const publicUrl = `http://127.0.0.1:${await freePort()}`;
    const emu = await PlatformEmulator.start({ toolUrl: publicUrl });
    const db = createDb(database.url);
    // Migrated once up front; instances starting together would also be safe (knex's migration lock).
    await migrateLatest(db);
    await registerEmulator(createPlatformStore(db), emu);
    const cluster = new Cluster(publicUrl, database, emu, db, { DATABASE_URL: database.url, PUBLIC_URL: publicUrl, ...LIFTED_RATE_LIMITS, ...opts.env });
    try {
      for (let i = 0; i < opts.count; i++) await cluster.startInstance(i, opts.nodeArgs);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Starts (or restarts, after a kill) instance `i` on a new port. */
  async startInstance(i: number, nodeArgs?: string[], env: Record<string, string> = {}): Promise<ToolProcess> {
    // Several processes compiling TypeScript at once on a busy CI machine: allow a minute.
    const p = await spawnTool({ ...this.env, ...env }, { nodeArgs, startTimeoutMs: 60_000 });
    this.instances[i] = p;
    return p;
  }

  instance(i: number): ToolProcess {
    const p = this.instances[i];
    if (!p) throw new Error(`instance ${i} is not running`);
    return p;
  }

  /** A public URL as the balancer would forward it to instance `i`. */
  via(i: number, url: string): string {
    return url.startsWith(this.publicUrl) ? this.instance(i).url + url.slice(this.publicUrl.length) : url;
  }

  /** Launches through the emulator: the OIDC login served by instance `login`, the launch POST by `launchAt`. */
  async join(spec: LaunchSpec, at: { login: number; launch: number } = { login: 0, launch: 0 }): Promise<ClusterUser> {
    const r = await launch({ tool: { publicUrl: this.publicUrl }, emu: this.emu }, spec, { route: (url, step) => this.via(step === 'login' ? at.login : at.launch, url) });
    if (r.response.status !== 303 || !r.sessionToken) throw new Error(`launch answered ${r.response.status}: ${r.response.body.slice(0, 300)}`);
    const token = r.sessionToken;
    const row = (await this.db('sessions').where({ token_hash: sha256(token) }).first('csrf_token')) as { csrf_token: string } | undefined;
    if (!row) throw new Error('the launch answered 303 but left no session row');
    const home = at.launch;
    const withToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      token,
      csrf: row.csrf_token,
      browser: r.browser,
      landing: r.response.headers.get('location')!,
      get: (path, i = home) => r.browser.request(this.instance(i).url + withToken(path)),
      post: (path, fields = {}, i = home) => r.browser.request(this.instance(i).url + path, { form: { session: token, _csrf: row.csrf_token, ...fields } }),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((p) => p?.stop()));
    await this.emu.close();
    await this.db.destroy();
    await this.database.drop();
  }
}
