import { inspect } from 'node:util';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

describe('config: operations (METRICS_TOKEN, SHUTDOWN_TIMEOUT_MS, REGISTER_RATE_PER_HOUR)', () => {
  it('defaults: metrics off, 10 s to shut down, 20 registrations per address per hour', () => {
    const c = loadConfig({});
    expect(c.ops.metricsToken).to.equal(null);
    expect(c.ops.shutdownTimeoutMs).to.equal(10_000);
    expect(c.ops.registerPerHour).to.equal(20);
  });

  it('reads them, and never shows the metrics token when the config is serialised, inspected or logged', () => {
    const token = 'metrics-token-abcdefghijklmnop';
    const c = loadConfig({ METRICS_TOKEN: token, SHUTDOWN_TIMEOUT_MS: '2500', REGISTER_RATE_PER_HOUR: '5' });
    expect(c.ops).to.deep.include({ shutdownTimeoutMs: 2500, registerPerHour: 5 });
    expect(c.ops.metricsToken).to.equal(token);
    expect(JSON.stringify(c)).not.to.contain(token);
    expect(inspect(c, { depth: 5 })).not.to.contain(token);
    const lines: string[] = [];
    createLogger('info', { write: (s: string) => void lines.push(s) }).info({ config: c }, 'config');
    expect(lines.join('')).not.to.contain(token);
  });

  it('refuses a short or spaced token and out-of-range numbers, without echoing the token', () => {
    const bad = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    const short = bad({ METRICS_TOKEN: 'short-secret' });
    expect(short).to.contain('METRICS_TOKEN').and.not.to.contain('short-secret');
    expect(bad({ METRICS_TOKEN: 'has a space in the middle of it' })).to.contain('METRICS_TOKEN');
    expect(bad({ SHUTDOWN_TIMEOUT_MS: '10' })).to.contain('SHUTDOWN_TIMEOUT_MS');
    expect(bad({ REGISTER_RATE_PER_HOUR: '0' })).to.contain('REGISTER_RATE_PER_HOUR');
  });
});
