import net from 'node:net';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/clock.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { Platform, PlatformStore } from '../../src/lti/platform-store.js';
import { PlatformEmulator, type LaunchSpec } from './emulator/platform-emulator.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { parseForm, TestBrowser, type Page } from './test-browser.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

const LIFTED_RATE_LIMITS = { RATE_POSTS_PER_MINUTE: '100000', RATE_POSTS_PER_HOUR: '100000', RATE_FLAGS_PER_HOUR: '100000', RATE_REACTIONS_PER_HOUR: '100000' };

export interface Tool extends RunningServer {
  publicUrl: string;
  db: TestDatabase;
}

/** A real Threadline server on a fresh database and a free port. */
export async function startTool(opts: { clock?: Clock; env?: Record<string, string>; host?: string; log?: Logger } = {}): Promise<Tool> {
  const db = await createTestDatabase();
  const port = await freePort();
  // Browser tests use `localhost` so the tool is cross-site to the emulator's 127.0.0.1 course page.
  const publicUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  // Test scripts post far faster than people do: write rate limits are lifted unless a test sets
  // its own RATE_* (test/e2e/curation.test.ts does, to reach the 429).
  const config = loadConfig({ PORT: String(port), PUBLIC_URL: publicUrl, DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...LIFTED_RATE_LIMITS, ...opts.env });
  const running = await startServer(config, { clock: opts.clock, log: opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  return {
    ...running,
    publicUrl,
    db,
    async close() {
      await running.close();
      await db.drop();
    },
  };
}

export interface Stack {
  tool: Tool;
  emu: PlatformEmulator;
  close(): Promise<void>;
}

/** Tool + emulator, with the emulator registered (manually) as a platform and deployment. */
export async function startStack(opts: { clock?: Clock; host?: string; env?: Record<string, string>; log?: Logger } = {}): Promise<Stack> {
  const tool = await startTool(opts);
  const emu = await PlatformEmulator.start({ toolUrl: tool.publicUrl });
  await registerEmulator(tool.container.platforms, emu);
  return {
    tool,
    emu,
    async close() {
      await emu.close();
      await tool.close();
    },
  };
}

/** Registers the emulator (manually) as a platform with its deployment, as an admin would. */
export async function registerEmulator(platforms: PlatformStore, emu: PlatformEmulator): Promise<Platform> {
  const platform = await platforms.upsert(
    { issuer: emu.issuer, clientId: emu.clientId, name: 'Emulator', productFamily: 'emulator', authEndpoint: emu.authEndpoint, tokenEndpoint: emu.tokenEndpoint, jwksUri: emu.jwksUri, tokenAudience: null, source: 'manual' },
    Date.now(),
  );
  await platforms.addDeployment(platform.id, emu.deploymentId, Date.now());
  return platform;
}

export interface LaunchResult {
  /** The tool's answer to the id_token form_post. */
  response: Page;
  /** Session token when the launch succeeded. */
  sessionToken?: string;
  browser: TestBrowser;
  state: string;
  nonce: string;
}

/** What a launch needs: the tool's public URL and the emulator (a Stack, or a tool run as a process). */
export interface LaunchTarget {
  tool: { publicUrl: string };
  emu: PlatformEmulator;
}

/**
 * The whole browser dance: login initiation → platform auth → form_post to the tool.
 * `mutate` may rewrite the posted fields (to forge or tamper) before they reach the tool.
 * `route` plays a load balancer in front of several instances sharing one PUBLIC_URL: it maps
 * each request meant for the tool (login, then launch) to the instance that should serve it.
 */
export async function launch(
  stack: Stack | LaunchTarget,
  spec: LaunchSpec = {},
  opts: {
    browser?: TestBrowser;
    mutate?: (fields: Record<string, string>, nonce: string) => Promise<Record<string, string>> | Record<string, string>;
    loginMethod?: 'GET' | 'POST';
    loginExtra?: Record<string, string>;
    route?: (url: string, step: 'login' | 'launch') => string;
  } = {},
): Promise<LaunchResult> {
  const { tool, emu } = stack;
  const route = opts.route ?? ((url: string) => url);
  const browser = opts.browser ?? new TestBrowser();
  const login: Record<string, string> = {
    iss: emu.issuer,
    login_hint: emu.prepare(spec),
    target_link_uri: `${tool.publicUrl}/lti/launch`,
    client_id: emu.clientId,
    lti_deployment_id: spec.deploymentId ?? emu.deploymentId,
    ...opts.loginExtra,
  };
  const loginRes =
    opts.loginMethod === 'POST'
      ? await browser.request(route(`${tool.publicUrl}/lti/login`, 'login'), { form: login })
      : await browser.request(route(`${tool.publicUrl}/lti/login?${new URLSearchParams(login)}`, 'login'));
  if (loginRes.status !== 302) throw new Error(`login answered ${loginRes.status}: ${loginRes.body.slice(0, 300)}`);
  const auth = await browser.request(loginRes.headers.get('location')!);
  if (auth.status !== 200) throw new Error(`platform auth answered ${auth.status}: ${auth.body}`);
  const form = parseForm(auth.body);
  // By state, not the last one: launches may run concurrently (bench/load).
  const authReq = [...emu.authRequests].reverse().find((r) => r.params.state === form.fields.state) ?? emu.authRequests.at(-1)!;
  const fields = opts.mutate ? await opts.mutate({ ...form.fields }, authReq.params.nonce!) : form.fields;
  const response = await browser.request(route(form.action, 'launch'), { form: fields });
  const location = response.headers.get('location') ?? '';
  const sessionToken = response.status === 303 ? (new URL(location, tool.publicUrl).searchParams.get('session') ?? undefined) : undefined;
  return { response, sessionToken, browser, state: authReq.params.state!, nonce: authReq.params.nonce! };
}
