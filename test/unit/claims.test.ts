import { expect } from 'chai';
import { isStaff, mapRoles } from '../../src/lti/claims.js';
import { isOwnUrl } from '../../src/lti/launch-claims.js';

describe('role mapping (LTI Core §A.2)', () => {
  const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
  it('maps full role URIs', () => {
    expect(mapRoles([`${M}Learner`]).primary).to.equal('learner');
    expect(mapRoles([`${M}Instructor`]).primary).to.equal('instructor');
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant']).primary).to.equal('ta');
    expect(mapRoles([`${M}Mentor`]).primary).to.equal('mentor');
    expect(mapRoles([`${M}ContentDeveloper`]).primary).to.equal('instructor');
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator']).primary).to.equal('admin');
  });
  it('accepts deprecated short names', () => {
    expect(mapRoles(['Instructor']).primary).to.equal('instructor');
    expect(mapRoles(['Learner']).primary).to.equal('learner');
  });
  it('makes unknown or empty roles the least privileged', () => {
    expect(mapRoles([]).primary).to.equal('learner');
    expect(mapRoles(['urn:x:wizard']).primary).to.equal('learner');
    expect(isStaff(mapRoles(['urn:x:wizard']))).to.equal(false);
  });
  it('does not let a mentor moderate', () => {
    expect(isStaff(mapRoles([`${M}Mentor`]))).to.equal(false);
    expect(isStaff(mapRoles([`${M}Learner`, `${M}Instructor`]))).to.equal(true);
  });
});

describe('isOwnUrl', () => {
  it('accepts our origin and base path only', () => {
    expect(isOwnUrl('https://tl.example/lti/launch', 'https://tl.example')).to.equal(true);
    expect(isOwnUrl('https://tl.example.evil.com/lti/launch', 'https://tl.example')).to.equal(false);
    expect(isOwnUrl('http://tl.example/lti/launch', 'https://tl.example')).to.equal(false);
    expect(isOwnUrl('https://x.example/threadline/lti/launch', 'https://x.example/threadline')).to.equal(true);
    expect(isOwnUrl('https://x.example/threadline-evil/lti', 'https://x.example/threadline')).to.equal(false);
    expect(isOwnUrl('not a url', 'https://x.example')).to.equal(false);
  });
});
