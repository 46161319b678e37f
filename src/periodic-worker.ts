/**
 * A job run on an interval, one run at a time: the shape both xAPI delivery loops share (the HTTP
 * sender and the embedded LRS delivery). A run asked for while one is in progress joins it rather
 * than starting a second (single flight), and stop() waits for the run in flight, so graceful
 * shutdown can close the database only once nothing is using it.
 */
export interface PeriodicWorker<R> {
  /** Runs the job now, or joins the run in progress. */
  run(): Promise<R>;
  /** Runs the job every `intervalMs` until stop(); the timer does not keep the process alive. */
  start(intervalMs: number): void;
  /** Stops the timer and resolves once the run in flight (if any) has ended. Never rejects. */
  stop(): Promise<void>;
  /** True from stop() until the next start(): a long run should check it and wind down. */
  readonly stopped: boolean;
}

export function createPeriodicWorker<R>(o: {
  job: () => Promise<R>;
  /** A timer-started run failed (run() callers get the rejection themselves). */
  onError: (err: unknown) => void;
}): PeriodicWorker<R> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<R> | null = null;
  let stopped = false;

  const worker: PeriodicWorker<R> = {
    run() {
      running ??= o.job().finally(() => {
        running = null;
      });
      return running;
    },
    start(intervalMs) {
      stopped = false;
      if (timer) return;
      timer = setInterval(() => {
        if (!stopped) worker.run().catch(o.onError);
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running.catch(() => undefined);
    },
    get stopped() {
      return stopped;
    },
  };
  return worker;
}
