import { createPeriodicTask, deleteExpiredEvents } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";

const BATCH = 1000;

export type RetentionOptions = { retentionSeconds: number; intervalMs: number };

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
    if (total > 0) logger.info({ deletedEvents: total }, "retention cleanup");
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
