/** Logs a failed pass; the task goes on at the next interval. */
type TaskLogger = { warn(fields: object, message: string): void };

export type PeriodicTaskOptions = {
  /** Names the task in the log line of a failed pass: "`name` failed". */
  name: string;
  /** Wait between the end of one pass and the start of the next. */
  intervalMs: number;
  run: () => Promise<unknown>;
  logger: TaskLogger;
  /** Wait before the first pass; default 0 (at once). */
  firstPassInMs?: number;
  /** Let the process exit while the task only waits (a cache refresh; not work that must finish). */
  unref?: boolean;
};

export type PeriodicTask = {
  /** The first pass at once (or after `firstPassInMs`), then one every `intervalMs` after the previous pass ended. */
  start(): void;
  /** The next pass now, or as soon as the running one ends (passes never overlap). */
  wake(): void;
  /** No further pass; resolves once the running pass, if any, has ended. */
  stop(): Promise<void>;
};

/**
 * One loop for the hub's background passes (outbox relay, sync tick, registry and broker refresh,
 * retention). Passes never overlap, a failed pass is logged and the loop goes on, and `stop()`
 * waits for the pass in progress so shutdown never closes the pool under it.
 */
export function createPeriodicTask(options: PeriodicTaskOptions): PeriodicTask {
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let isRunning = false;
  let isWakeWanted = false;
  let running: Promise<void> = Promise.resolve();

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    timer = setTimeout(pass, delayMs);
    if (options.unref) timer.unref();
  };

  const pass = () => {
    timer = undefined;
    isRunning = true;
    running = Promise.resolve()
      .then(options.run)
      .then(
        () => undefined,
        (error: unknown) => options.logger.warn({ err: error }, `${options.name} failed`),
      )
      .finally(() => {
        isRunning = false;
        schedule(isWakeWanted ? 0 : options.intervalMs);
        isWakeWanted = false;
      });
  };

  return {
    start() {
      stopped = false;
      schedule(options.firstPassInMs ?? 0);
    },
    wake() {
      if (stopped) return;
      if (isRunning) isWakeWanted = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
