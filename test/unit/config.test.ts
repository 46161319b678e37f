import { inspect } from 'node:util';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('has sensible defaults for a fresh machine', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(3000);
    expect(c.publicUrl).to.equal('http://localhost:3000');
    expect(c.databaseUrl).to.equal('sqlite:./data/threadline.sqlite');
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('derives PUBLIC_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).to.equal('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://tl.example.edu/' }).publicUrl).to.equal('https://tl.example.edu');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).to.equal(3000);
  });

  it('reports every bad value at once, clearly', () => {
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['PORT', 'PUBLIC_URL', 'LOG_LEVEL', 'DATABASE_URL']) expect(msg).to.contain(v);
    }
  });

  it('refuses a PUBLIC_URL with a query string', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://tl.example.edu/?a=1' })).to.throw(ConfigError, /query/);
  });

  it('accepts postgres URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).databaseUrl).to.equal('postgres://u@h:5432/db');
  });
  describe('xAPI', () => {
    const lrs = { XAPI_LRS_ENDPOINT: 'https://lrs.example.org/xapi/', XAPI_LRS_USERNAME: 'key', XAPI_LRS_PASSWORD: 'hunter2-secret' };

    it('has no LRS by default, batches of 50, no names', () => {
      expect(loadConfig({}).xapi).to.deep.equal({ lrs: null, batchSize: 50, actorNames: false, embeddedLrs: null });
    });

    it('reads the LRS endpoint, credentials, batch size and actor-name switch', () => {
      const c = loadConfig({ ...lrs, XAPI_BATCH_SIZE: '25', XAPI_ACTOR_NAMES: 'true' });
      expect(c.xapi.lrs).to.include({ endpoint: 'https://lrs.example.org/xapi/', username: 'key', password: 'hunter2-secret' });
      expect(c.xapi.batchSize).to.equal(25);
      expect(c.xapi.actorNames).to.equal(true);
      expect(loadConfig({ XAPI_LRS_ENDPOINT: 'http://lrs.local/xapi' }).xapi.lrs).to.include({ username: null, password: null });
    });

    it('never shows the password when the config is serialised, inspected or logged', () => {
      const c = loadConfig(lrs);
      expect(JSON.stringify(c)).not.to.contain('hunter2');
      expect(inspect(c, { depth: 10 })).not.to.contain('hunter2');
      expect(Object.keys(c.xapi.lrs!)).to.deep.equal(['endpoint', 'username']);
    });

    it('refuses a non-http(s) endpoint, credentials in the URL, half credentials and bad batch sizes', () => {
      const bad = (env: Record<string, string>, re: RegExp) => {
        try {
          loadConfig(env);
          expect.fail('should throw');
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          expect((err as Error).message).to.match(re);
          expect((err as Error).message).not.to.contain('hunter2');
        }
      };
      bad({ ...lrs, XAPI_LRS_ENDPOINT: 'ftp://lrs.example.org/' }, /XAPI_LRS_ENDPOINT/);
      bad({ ...lrs, XAPI_LRS_ENDPOINT: 'not a url' }, /XAPI_LRS_ENDPOINT/);
      bad({ ...lrs, XAPI_LRS_ENDPOINT: 'https://key:hunter2@lrs.example.org/xapi/' }, /XAPI_LRS_ENDPOINT: must not contain credentials/);
      bad({ XAPI_LRS_ENDPOINT: lrs.XAPI_LRS_ENDPOINT, XAPI_LRS_USERNAME: 'key' }, /set both or neither/);
      bad({ XAPI_LRS_USERNAME: 'key', XAPI_LRS_PASSWORD: 'hunter2' }, /XAPI_LRS_ENDPOINT: must be set/);
      bad({ XAPI_BATCH_SIZE: '0' }, /XAPI_BATCH_SIZE/);
      bad({ XAPI_BATCH_SIZE: 'many' }, /XAPI_BATCH_SIZE/);
      bad({ XAPI_ACTOR_NAMES: 'yes' }, /XAPI_ACTOR_NAMES/);
    });

    it('reads the embedded LRS credentials, both or neither, and never shows the secret', () => {
      const c = loadConfig({ EMBEDDED_LRS_KEY: 'tl-key', EMBEDDED_LRS_SECRET: 'hunter2-embedded-secret' });
      expect(c.xapi.embeddedLrs).to.include({ key: 'tl-key', secret: 'hunter2-embedded-secret' });
      expect(JSON.stringify(c)).not.to.contain('hunter2');
      expect(inspect(c, { depth: 10 })).not.to.contain('hunter2');
      for (const env of [{ EMBEDDED_LRS_KEY: 'tl-key' }, { EMBEDDED_LRS_SECRET: 'hunter2-embedded-secret' }, { EMBEDDED_LRS_KEY: 'a:b', EMBEDDED_LRS_SECRET: 'hunter2-embedded-secret' }, { EMBEDDED_LRS_KEY: 'k', EMBEDDED_LRS_SECRET: 'hunter2' }]) {
        try {
          loadConfig(env);
          expect.fail('should throw');
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          expect((err as Error).message).to.match(/EMBEDDED_LRS_/);
          expect((err as Error).message).not.to.contain('hunter2');
        }
      }
    });
  });
});
