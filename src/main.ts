import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const running = await startServer(config, { log });
  const u = config.publicUrl;
  const lrs = await running.container.embeddedLrsCreds();
  // What an admin needs next; printed plainly so it reads well in a terminal.
  console.log(
    [
      '',
      `Threadline is running on port ${config.port} (${running.container.db.client.config.client === 'pg' ? 'PostgreSQL' : 'SQLite'}).`,
      `  Public URL:                ${u}`,
      `  Dynamic Registration URL:  ${u}/lti/register`,
      `  JWKS URL:                  ${u}/.well-known/jwks.json`,
      `  Canvas developer key JSON: ${u}/lti/canvas.json`,
      `  Login / launch URLs:       ${u}/lti/login  ·  ${u}/lti/launch`,
      `  Embedded LRS (xAPI):       ${u}/xapi/${config.xapi.lrs ? '  (statements go to XAPI_LRS_ENDPOINT)' : ''}`,
      // The secret is printed once, on the start that generated it, to the terminal only (never the
      // logger); later starts don't repeat it into whatever collects stdout.
      lrs.source === 'generated'
        ? `    key: ${lrs.key}  secret: ${lrs.secret}  (generated now and shown only this once; set EMBEDDED_LRS_KEY/SECRET to choose your own)`
        : `    key: ${lrs.key}  secret: ${lrs.source === 'env' ? '(EMBEDDED_LRS_SECRET)' : '(shown on first start; set EMBEDDED_LRS_KEY/SECRET to replace it)'}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutMs: config.ops.shutdownTimeoutMs }, 'shutting down');
    // A request or LRS call that will not end must not keep a stopping process alive forever.
    setTimeout(() => {
      log.error({ timeoutMs: config.ops.shutdownTimeoutMs }, 'shutdown timed out; exiting with work unfinished');
      process.exit(1);
    }, config.ops.shutdownTimeoutMs).unref();
    running.close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Threadline failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
