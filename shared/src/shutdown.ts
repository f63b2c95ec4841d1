/**
 * Graceful shutdown in the order the services add their steps: stop accepting → drain in-flight
 * work → close subscriptions → flush topics → close pools. Every step is raced against a timeout
 * (some clients' `close()` can hang forever), a failed or hung step is logged and the next one
 * still runs, and the whole run stays within `timeoutMs` so it ends before the platform's SIGKILL.
 */

/** The part of a pino logger this module uses (a pino Logger fits). */
export interface ShutdownLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export type ShutdownStep = () => Promise<void> | void;

export interface Shutdown {
  /** Appends a step; `timeoutMs` caps this step so a hang leaves time for the steps after it. */
  add(name: string, step: ShutdownStep, options?: { timeoutMs?: number }): void;
  /** Runs the steps once; later calls return the same promise. Never rejects. */
  run(reason: string): Promise<void>;
  /** True from the first `run` on (readiness probes answer 503 then). */
  isShuttingDown(): boolean;
}

interface Entry {
  name: string;
  step: ShutdownStep;
  timeoutMs: number | undefined;
}

export function createShutdown(options: { logger: ShutdownLogger; timeoutMs: number }): Shutdown {
  const { logger } = options;
  const entries: Entry[] = [];
  let running: Promise<void> | undefined;

  async function runSteps(reason: string): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    logger.info({ reason, steps: entries.map((entry) => entry.name) }, "shutting down");
    for (const entry of entries) {
      const budgetMs = Math.max(0, Math.min(entry.timeoutMs ?? Infinity, deadline - Date.now()));
      await runStep(logger, entry, budgetMs);
    }
    logger.info({ reason }, "shutdown complete");
  }

  return {
    add: (name, step, stepOptions = {}) => {
      entries.push({ name, step, timeoutMs: stepOptions.timeoutMs });
    },
    run: (reason) => (running ??= runSteps(reason)),
    isShuttingDown: () => running !== undefined,
  };
}

async function runStep(logger: ShutdownLogger, entry: Entry, budgetMs: number): Promise<void> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
  });
  try {
    // `Promise.resolve().then` turns a synchronous throw into a rejection like any other.
    const outcome = await Promise.race([Promise.resolve().then(entry.step), timedOut]);
    if (outcome === "timeout")
      logger.error({ step: entry.name, timeoutMs: budgetMs }, "shutdown step timed out");
    else logger.info({ step: entry.name, durationMs: Date.now() - startedAt }, "shutdown step done");
  } catch (err) {
    logger.error({ step: entry.name, err }, "shutdown step failed");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM/SIGINT run the shutdown, then `exit(0)`; a second signal exits with 1 at once (an
 * impatient Ctrl-C). Returns a function that removes the handlers.
 */
export function onSignals(
  shutdown: Shutdown,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let received = false;
  const handle = (signal: NodeJS.Signals) => {
    if (received) return exit(1);
    received = true;
    void shutdown.run(signal).then(() => exit(0));
  };
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
  for (const signal of signals) process.on(signal, handle);
  return () => {
    for (const signal of signals) process.off(signal, handle);
  };
}
