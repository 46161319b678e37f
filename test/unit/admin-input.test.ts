import { expect } from 'chai';
import { isPlatformAdmin, parseTtl } from '../../src/admin/admin-auth.js';
import { parseLrs, parsePlatform, parseRefusalFilter } from '../../src/admin/admin-input.js';
import { mapRoles } from '../../src/lti/claims.js';

describe('admin input and roles', () => {
  it('only a system or institution Administrator is a platform admin (LTI Core §A.2.1, §A.2.2)', () => {
    const is = (...roles: string[]) => isPlatformAdmin(mapRoles(roles));
    expect(is('http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator')).to.equal(true);
    expect(is('http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator')).to.equal(true);
    expect(is('http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator')).to.equal(false);
    expect(is('Administrator')).to.equal(false);
    expect(is('http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor')).to.equal(false);
    expect(is()).to.equal(false);
  });

  it('reads token lifetimes from 1 minute to 90 days', () => {
    expect(parseTtl('8h')).to.equal(8 * 3_600_000);
    expect(parseTtl('90d')).to.equal(90 * 86_400_000);
    expect(parseTtl('60s')).to.equal(60_000);
    for (const bad of ['59s', '91d', '8', 'h', '-1h', '1.5h', '8 hours']) expect(parseTtl(bad), bad).to.equal(null);
  });

  it('validates a platform registration and gives back what was typed', () => {
    const ok = parsePlatform({ issuer: ' https://lms.example.edu ', client_id: 'c', auth_url: 'https://lms.example.edu/a', token_url: 'https://lms.example.edu/t', jwks_url: 'http://localhost:9/j' });
    expect(ok.ok && ok.value.issuer).to.equal('https://lms.example.edu');
    const bad = parsePlatform({ issuer: 'https://lms.example.edu/?x=1', client_id: ['a', 'b'], auth_url: 'http://lms.example.edu/a', token_url: 'https://u:p@lms.example.edu/t', jwks_url: '', _csrf: 'secret' });
    expect(bad.ok).to.equal(false);
    if (bad.ok) return;
    expect(bad.errors).to.deep.equal({ issuer: 'admin:field.issuerQuery', client_id: 'admin:field.invalid', auth_url: 'admin:field.badPlatformUrl', token_url: 'admin:field.badPlatformUrl', jwks_url: 'admin:field.required' });
    expect(bad.values).to.include({ issuer: 'https://lms.example.edu/?x=1' }).and.not.have.property('_csrf');
  });

  it('validates an LRS target as the CLI does, and never gives the password back', () => {
    const bad = parseLrs({ name: 'Primary', endpoint: 'https://u:p@lrs.example.org/xapi/', username: 'a:b', password: 'hunter2' });
    expect(bad.ok).to.equal(false);
    if (bad.ok) return;
    expect(bad.errors).to.include({ name: 'admin:field.lrsReserved', endpoint: 'admin:field.lrsEndpoint', username: 'admin:field.lrsUsername' });
    expect(JSON.stringify(bad.values)).not.to.include('hunter2');
    const half = parseLrs({ name: 'acme', endpoint: 'https://lrs.example.org/xapi/', username: 'tl' });
    expect(!half.ok && half.errors.password).to.equal('admin:field.lrsPasswordNeeded');
    const ok = parseLrs({ name: 'acme', endpoint: 'https://lrs.example.org/xapi/' });
    expect(ok.ok && ok.value).to.include({ name: 'acme', username: '', password: '', platform_id: '' });
  });

  it('ignores a refused-launches filter it does not understand', () => {
    expect(parseRefusalFilter({ platform: "x' or 1=1", reason: 'deployment_disabled' })).to.deep.equal({ platformId: undefined, reason: 'deployment_disabled' });
  });
});
