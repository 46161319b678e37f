import { expect } from 'chai';
import { parseGrading, retryDelay, scoreOf } from '../../src/readiness/grading-service.js';

const w = { weightPrep: 60, weightReplies: 40, weightReflections: 0, repliesTarget: 2 };

describe('participation grading (unit)', () => {
  it('scores 0–100 from weighted parts: prep (prepared = 1, else share answered), replies up to the target, reflections seam', () => {
    expect(scoreOf(w, { state: 'prepared', answered: 2, prompts: 2, posts: 0 })).to.equal(60);
    expect(scoreOf(w, { state: 'in_progress', answered: 1, prompts: 2, posts: 1 })).to.equal(50);
    expect(scoreOf(w, { state: 'in_progress', answered: 1, prompts: 3, posts: 9 })).to.equal(60);
    expect(scoreOf(w, { state: 'not_started', answered: 0, prompts: 0, posts: 0 })).to.equal(0);
    expect(scoreOf({ ...w, weightReflections: 100 }, { state: 'prepared', answered: 2, prompts: 2, posts: 2 })).to.equal(50);
    expect(scoreOf({ ...w, weightReflections: 100 }, { state: 'prepared', answered: 2, prompts: 2, posts: 2 }, 1)).to.equal(100);
    expect(scoreOf({ ...w, weightPrep: 0, weightReplies: 0 }, { state: 'prepared', answered: 2, prompts: 2, posts: 2 })).to.equal(0);
  });

  it('backs off 1, 2, 4 … minutes, at most an hour', () => {
    expect([1, 2, 3, 10].map(retryDelay)).to.deep.equal([60_000, 120_000, 240_000, 3_600_000]);
  });

  it('parses the form; bad input keeps what was typed with per-field errors', () => {
    expect(parseGrading({ enabled: 'on', weight_prep: '60', weight_replies: '40', weight_reflections: '0', replies_target: '3' })).to.deep.equal({
      ok: true, value: { enabled: true, weightPrep: 60, weightReplies: 40, weightReflections: 0, repliesTarget: 3 },
    });
    const bad = parseGrading({ weight_prep: '-1', weight_replies: '2.5', weight_reflections: '0', replies_target: '0' });
    expect(bad).to.deep.include({ ok: false, values: { weight_prep: '-1', weight_replies: '2.5', weight_reflections: '0', replies_target: '0' } });
    expect(bad.ok ? null : bad.errors).to.deep.equal({ weight_prep: 'errors.weight', weight_replies: 'errors.weight', replies_target: 'errors.target' });
    const zero = parseGrading({ weight_prep: '0', weight_replies: '0', weight_reflections: '0', replies_target: '1' });
    expect(zero.ok ? null : zero.errors).to.deep.equal({ weight_prep: 'errors.weightsZero' });
  });
});
