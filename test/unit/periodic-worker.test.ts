import { expect } from 'chai';
import { createPeriodicWorker } from '../../src/periodic-worker.js';

/** A job whose runs the test finishes by hand. */
function controlledJob() {
  const runs: Array<(v: number) => void> = [];
  let started = 0;
  return {
    job: () =>
      new Promise<number>((resolve) => {
        started++;
        runs.push(resolve);
      }),
    finish: (i: number, v: number) => runs[i]!(v),
    get started() {
      return started;
    },
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('periodic worker', () => {
  it('runs one at a time: a run asked for during another joins it', async () => {
    const j = controlledJob();
    const w = createPeriodicWorker({ job: j.job, onError: () => undefined });
    const a = w.run();
    const b = w.run();
    expect(j.started).to.equal(1);
    j.finish(0, 7);
    expect(await a).to.equal(7);
    expect(await b).to.equal(7);
    const c = w.run();
    expect(j.started).to.equal(2);
    j.finish(1, 8);
    expect(await c).to.equal(8);
  });

  it('stop() waits for the run in flight, and no run starts after it', async () => {
    const j = controlledJob();
    const w = createPeriodicWorker({ job: j.job, onError: () => undefined });
    w.start(5);
    await tick(30);
    expect(j.started).to.equal(1); // the first run is still going: the timer joined it, no second
    let stoppedAt = 0;
    const stopping = w.stop().then(() => {
      stoppedAt = Date.now();
    });
    expect(w.stopped).to.equal(true);
    await tick(30);
    expect(stoppedAt, 'stop() resolved while a run was in flight').to.equal(0);
    const finishedAt = Date.now();
    j.finish(0, 1);
    await stopping;
    expect(stoppedAt).to.be.at.least(finishedAt);
    await tick(30);
    expect(j.started).to.equal(1);
  });

  it('a failed timer run goes to onError and the loop carries on; start() after stop() resumes', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const w = createPeriodicWorker({
      job: async () => {
        calls++;
        if (calls === 1) throw new Error('db hiccup');
        return calls;
      },
      onError: (err) => errors.push(err),
    });
    w.start(5);
    await tick(60);
    await w.stop();
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(['db hiccup']);
    const after = calls;
    expect(after).to.be.greaterThan(1);
    await tick(30);
    expect(calls).to.equal(after);
    w.start(5);
    expect(w.stopped).to.equal(false);
    await tick(40);
    await w.stop();
    expect(calls).to.be.greaterThan(after);
  });
});
