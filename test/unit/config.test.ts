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
});
