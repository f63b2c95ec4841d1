import { createPeriodicTask, deleteExpiredEvents, deleteExpiredOutcomes } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";

const BATCH = 1000;

export type RetentionOptions = {
  retentionSeconds: number;
  intervalMs: number;
  /** The breaker's window: outcome buckets older than it count nowhere and are deleted. */
  breakerWindowSeconds?: number;
};

export type Retention = {
  /** No further batch; resolves once the batch being deleted, if any, is done. */
  stop(): Promise<void>;
};

/**
 * Runs the retention cleanup now and then every interval (a failed pass is retried at the next), in
 * small batches so it never holds long locks. Stopping is checked between batches, so shutdown
 * waits for one batch at most, never for a whole backlog.
 */
export function startRetention(db: Pool, logger: Logger, options: RetentionOptions): Retention {
  let isStopping = false;
  const deleteExpired = async () => {
    let total = 0;
    for (let deleted = BATCH; deleted === BATCH && !isStopping; total += deleted) {
      deleted = await deleteExpiredEvents(db, options.retentionSeconds, BATCH);
    }
    // A destination that never fails leaves a bucket row behind every tenth of a window.
    const outcomes =
      options.breakerWindowSeconds === undefined || isStopping
        ? 0
        : await deleteExpiredOutcomes(db, options.breakerWindowSeconds);
    if (total > 0 || outcomes > 0)
      logger.info({ deletedEvents: total, deletedOutcomeBuckets: outcomes }, "retention cleanup");
  };
  const task = createPeriodicTask({
    name: "retention cleanup",
    intervalMs: options.intervalMs,
    run: deleteExpired,
    logger,
  });
  task.start();
  return {
    async stop() {
      isStopping = true;
      await task.stop();
    },
  };
}
