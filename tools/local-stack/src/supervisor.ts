import { backoffDelayMs } from "@event-hub/shared";

/**
 * Restarts what died, as Kubernetes restarts a crashed container (CrashLoopBackOff): the first
 * restart after `initialMs`, each further one in a row waits twice as long up to `maxMs`, and a run
 * that lasted `resetAfterMs` or longer starts the count again. Each death and each restart is one
 * line. `make up` supervises each service and the emulator with it.
 */

export type RestartPolicy = {
  /** The wait before the first restart in a row (Kubernetes: 10 s). */
  initialMs: number;
  /** No wait is longer (Kubernetes: 5 min). */
  maxMs: number;
  /** A run at least this long resets the count (Kubernetes: 10 min). */
  resetAfterMs: number;
};

/** Kubernetes' numbers scaled down for a developer's stack: 1 s doubling to 30 s, reset after 1 min. */
const DEFAULT_RESTART_POLICY: RestartPolicy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

export type Supervised = {
  /** For the lines, e.g. "sync-worker". */
  name: string;
  /** Resolves when the current run ends, saying how ("was killed by SIGKILL"). */
  nextEnd(): Promise<string>;
  /** Starts it again; resolves once it is ready, rejects when it could not be. */
  restart(): Promise<void>;
  /** True when something else already brought it back during the wait (no restart then). */
  isUp?(): boolean;
};

export type Supervisor = {
  /** No more restarts; resolves once a restart under way has finished. */
  stop(): Promise<void>;
};

export type SuperviseOptions = {
  policy?: RestartPolicy;
  log?: (line: string) => void;
  now?: () => number;
};

export function supervise(target: Supervised, options: SuperviseOptions = {}): Supervisor {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  let isStopped = false;
  let wakeUp = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (wakeUp = resolve));
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: while everything is down, this timer is what keeps make up alive until the restart.
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => (timer = setTimeout(resolve, ms)));

  const loop = async (): Promise<void> => {
    let failuresInARow = 0;
    for (;;) {
      const startedAt = now();
      const end = await Promise.race([target.nextEnd(), stopped.then(() => undefined)]);
      if (isStopped || end === undefined) return;
      const ranMs = now() - startedAt;
      failuresInARow = ranMs >= policy.resetAfterMs ? 1 : failuresInARow + 1;
      const delayMs = restartDelayMs(policy, failuresInARow);
      log(
        `\n${target.name} ${end} after ${formatSeconds(ranMs)}; restarting it in ${formatSeconds(delayMs)} ` +
          `(restart ${failuresInARow} in a row)`,
      );
      await Promise.race([sleep(delayMs), stopped]);
      if (isStopped) return;
      if (target.isUp?.()) continue;
      await target.restart().then(
        () => log(`${target.name} restarted and ready`),
        (error: unknown) => log(`${target.name} could not be restarted: ${(error as Error).message}`),
      );
      if (isStopped) return;
    }
  };
  const running = loop();
  return {
    stop: async () => {
      isStopped = true;
      clearTimeout(timer);
      wakeUp();
      await running;
    },
  };
}

/** The wait before restart number `failuresInARow` (≥ 1): the hub's backoff, without jitter. */
export function restartDelayMs(policy: RestartPolicy, failuresInARow: number): number {
  return backoffDelayMs({ initialMs: policy.initialMs, maxMs: policy.maxMs, jitterRatio: 0 }, failuresInARow);
}

/** The policy from MAKE_UP_RESTART_DELAY_MS, MAKE_UP_RESTART_MAX_DELAY_MS, MAKE_UP_RESTART_RESET_AFTER_MS. */
export function readRestartPolicy(env: NodeJS.ProcessEnv = process.env): RestartPolicy {
  return {
    initialMs: readMs(env, "MAKE_UP_RESTART_DELAY_MS", DEFAULT_RESTART_POLICY.initialMs),
    maxMs: readMs(env, "MAKE_UP_RESTART_MAX_DELAY_MS", DEFAULT_RESTART_POLICY.maxMs),
    resetAfterMs: readMs(env, "MAKE_UP_RESTART_RESET_AFTER_MS", DEFAULT_RESTART_POLICY.resetAfterMs),
  };
}

function readMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name}=${value} is not a number of milliseconds.`);
  return Number(value);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
