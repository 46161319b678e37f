import { expect } from 'chai';
import { parseSpaceInput } from '../../src/spaces/space-input.js';

describe('space input', () => {
  it('turns a local event time into UTC using the chosen zone, across DST', () => {
    const summer = parseSpaceInput({ kind: 'prep', title: 'T', event_date: '2027-07-01', event_time: '09:00', time_zone: 'America/New_York' });
    expect(summer.ok && summer.value.eventAt).to.equal(Date.UTC(2027, 6, 1, 13, 0));
    const winter = parseSpaceInput({ kind: 'prep', title: 'T', event_date: '2027-01-15', event_time: '09:00', time_zone: 'America/New_York' });
    expect(winter.ok && winter.value.eventAt).to.equal(Date.UTC(2027, 0, 15, 14, 0));
  });
  it('explains each invalid field', () => {
    const r = parseSpaceInput({ kind: 'party', title: ' ', event_date: '1/2/27', time_zone: 'Mars/Olympus' });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).to.deep.equal(['event_date', 'kind', 'time_zone', 'title']);
  });
  it('refuses dates that do not exist', () => {
    const r = parseSpaceInput({ kind: 'prep', title: 'T', event_date: '2027-02-30', time_zone: 'UTC' });
    expect(r.ok).to.equal(false);
  });
  it('allows no event date', () => {
    const r = parseSpaceInput({ kind: 'post_event', title: 'T', time_zone: 'UTC' });
    expect(r.ok && r.value.eventAt).to.equal(null);
  });
});
