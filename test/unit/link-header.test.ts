import { expect } from 'chai';
import { findLink, PageWalker, parseLinkHeader } from '../../src/lti/link-header.js';
import { UpstreamError } from '../../src/web/errors.js';

describe('Link header (RFC 8288)', () => {
  const base = 'https://lms.example/api/members?limit=2';

  it('finds next among several links, whatever the order, quoting and spacing', () => {
    const h = ' <https://lms.example/api/members?since=1>;rel="differences" ,\t<https://lms.example/api/members?page=2&limit=2> ;  rel = "next" , <https://lms.example/api/members?page=9>; rel=last';
    expect(findLink(h, 'next', base)).to.equal('https://lms.example/api/members?page=2&limit=2');
    expect(findLink(h, 'differences', base)).to.equal('https://lms.example/api/members?since=1');
    expect(findLink(h, 'last', base)).to.equal('https://lms.example/api/members?page=9');
  });

  it('understands several relation types, upper case, relative targets and commas inside quotes or targets', () => {
    const h = '</api/members?ids=1,2>; title="a, b; c"; rel="NEXT last"';
    expect(parseLinkHeader(h)).to.deep.equal([{ target: '/api/members?ids=1,2', rel: ['next', 'last'], params: { title: 'a, b; c', rel: 'NEXT last' } }]);
    expect(findLink(h, 'next', base)).to.equal('https://lms.example/api/members?ids=1,2');
  });

  it('returns null when there is no next link, or the header is junk', () => {
    for (const h of [null, '', 'garbage', '<https://lms.example/x>; rel="prev"', '<unterminated; rel="next"', '<https://lms.example/x>; rel="nextpage"']) {
      expect(findLink(h, 'next', base), String(h)).to.equal(null);
    }
  });

  it('walks pages, refusing loops, other origins and too many pages', () => {
    const w = new PageWalker(base, 'The members', 3);
    w.count();
    expect(w.next('<?page=2>; rel="next"', base)).to.equal('https://lms.example/api/members?page=2');
    w.count();
    expect(() => w.next(`<${base}>; rel="next"`, base)).to.throw(UpstreamError, /already read/);
    expect(() => w.next('<https://other.example/p3>; rel="next"', base)).to.throw(UpstreamError, /another server/);
    w.count();
    expect(() => w.count()).to.throw(UpstreamError, /more than 3 pages/);
  });
});
