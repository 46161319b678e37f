import { expect } from 'chai';
import { DateTime } from 'luxon';
import { fixedClock } from '../../src/clock.js';
import { daysFromEvent, eventOf, followUpDueAt, followUpState, localDate, phaseAt, type JourneyEvent } from '../../src/journey/journey-time.js';
import { prepStatus } from '../../src/journey/prep-completion.js';

const madrid = (iso: string): number => DateTime.fromISO(iso, { zone: 'Europe/Madrid' }).toMillis();
const H = 60 * 60 * 1000;

describe('journey time', () => {
  // A one-day workshop in Madrid, just before DST ends (Sunday 25 October 2026, 03:00 → 02:00).
  const event: JourneyEvent = { startAt: madrid('2026-10-20T09:00'), endAt: madrid('2026-10-20T17:00'), timeZone: 'Europe/Madrid' };

  it('the phase is prep before the start, live during the event, post-event from its end, as the clock travels', () => {
    const clock = fixedClock(event.startAt - 1);
    expect(phaseAt(event, clock.now())).to.equal('prep');
    clock.advance(1);
    expect(phaseAt(event, clock.now())).to.equal('live');
    clock.set(event.endAt - 1);
    expect(phaseAt(event, clock.now())).to.equal('live');
    clock.advance(1);
    expect(phaseAt(event, clock.now())).to.equal('post-event');
  });

  it('an event without an end (or an end before its start) is instantaneous; no event time means no event', () => {
    const e = eventOf({ eventAt: 1000, timeZone: 'Europe/Madrid' }, null)!;
    expect(e).to.deep.equal({ startAt: 1000, endAt: 1000, timeZone: 'Europe/Madrid' });
    expect(phaseAt(e, 999)).to.equal('prep');
    expect(phaseAt(e, 1000)).to.equal('post-event');
    expect(eventOf({ eventAt: 1000, timeZone: 'UTC' }, 500)!.endAt).to.equal(1000);
    expect(eventOf({ eventAt: null, timeZone: 'UTC' }, null)).to.equal(null);
    expect(eventOf({ eventAt: 1, timeZone: 'Not/AZone' }, null)!.timeZone).to.equal('UTC');
  });

  it('days from event truncates toward zero like the xAPI extension (49 h before is -2)', () => {
    expect(daysFromEvent(event, event.startAt - 49 * H)).to.equal(-2);
    expect(daysFromEvent(event, event.startAt - 23 * H)).to.equal(0);
    expect(daysFromEvent(event, event.startAt + 30 * 24 * H)).to.equal(30);
  });

  it('+7 days across the end of DST is local midnight a week later, not 7 × 24 h', () => {
    const due = followUpDueAt(event, 7);
    expect(new Date(due).toISOString()).to.equal('2026-10-26T23:00:00.000Z'); // 27 Oct 00:00 CET (UTC+1)
    // The event day's midnight was CEST (UTC+2): 7 × 24 h from it would land at 23:00 local on the 26th.
    expect(due - DateTime.fromISO('2026-10-20T00:00', { zone: 'Europe/Madrid' }).toMillis()).to.equal(7 * 24 * H + H);
    expect(localDate(due, 'Europe/Madrid')).to.equal('2026-10-27');
  });

  it('+30 days across the start of DST keeps local midnight too', () => {
    const spring: JourneyEvent = { startAt: madrid('2027-03-10T09:00'), endAt: madrid('2027-03-10T12:00'), timeZone: 'Europe/Madrid' };
    expect(new Date(followUpDueAt(spring, 30)).toISOString()).to.equal('2027-04-08T22:00:00.000Z'); // 9 Apr 00:00 CEST
  });

  it('a follow-up is upcoming, then due at local midnight, then overdue after the grace days, unless done', () => {
    const due = followUpDueAt(event, 7);
    const clock = fixedClock(due - 1);
    expect(followUpState(event, 7, clock.now(), false)).to.equal('upcoming');
    clock.advance(1);
    expect(followUpState(event, 7, clock.now(), false)).to.equal('due');
    // Seven local days later, 3 Nov 00:00 CET.
    clock.set(madrid('2026-11-03T00:00') - 1);
    expect(followUpState(event, 7, clock.now(), false)).to.equal('due');
    clock.advance(1);
    expect(followUpState(event, 7, clock.now(), false)).to.equal('overdue');
    expect(followUpState(event, 7, clock.now(), true)).to.equal('done');
    expect(followUpState(event, 7, clock.now(), false, 30)).to.equal('due');
  });

  it('the learner reads dates in the space zone: the same instant is a different day in Madrid and in Los Angeles', () => {
    const at = Date.parse('2026-10-27T03:00:00Z');
    expect(localDate(at, 'Europe/Madrid')).to.equal('2026-10-27');
    expect(localDate(at, 'America/Los_Angeles')).to.equal('2026-10-26');
  });
});

describe('prep completion rule', () => {
  const prompts = [
    { id: 'p1', title: 'Why are you here?' },
    { id: 'p2', title: 'What do you expect?' },
  ];

  it('is complete only when every required prompt is answered', () => {
    const rule = { requireRequiredPrompts: true, minPeerReplies: 0 };
    expect(prepStatus(rule, { requiredPrompts: prompts, answeredPromptIds: new Set(['p1']), peerReplies: 5 })).to.deep.include({ complete: false, doneCount: 1 });
    const s = prepStatus(rule, { requiredPrompts: prompts, answeredPromptIds: new Set(['p1', 'p2']), peerReplies: 0 });
    expect(s.complete).to.equal(true);
    expect(s.items.map((i) => i.kind)).to.deep.equal(['prompt', 'prompt']);
  });

  it('adds a peer-replies item when the instructor asks for a minimum', () => {
    const rule = { requireRequiredPrompts: true, minPeerReplies: 2 };
    const facts = { requiredPrompts: prompts, answeredPromptIds: new Set(['p1', 'p2']), peerReplies: 1 };
    const s = prepStatus(rule, facts);
    expect(s.complete).to.equal(false);
    expect(s.items[2]).to.deep.equal({ kind: 'peer_replies', required: 2, count: 1, done: false });
    expect(prepStatus(rule, { ...facts, peerReplies: 2 }).complete).to.equal(true);
  });

  it('a rule with nothing to do is never complete (no statement for preparing nothing)', () => {
    expect(prepStatus({ requireRequiredPrompts: true, minPeerReplies: 0 }, { requiredPrompts: [], answeredPromptIds: new Set(), peerReplies: 0 }).complete).to.equal(false);
  });
});
