import { deleteExpiredEvents } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";

const BATCH = 1000;

export type RetentionOptions = { retentionSeconds: number; intervalMs: number };

/** Runs the retention cleanup now and then every interval, in small batches so it never holds long locks. */
export function startRetention(db: Pool, logger: Logger, options: RetentionOptions): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async (): Promise<void> => {
    let total = 0;
    try {
      for (let deleted = BATCH; deleted === BATCH && !stopped; total += deleted) {
        deleted = await deleteExpiredEvents(db, options.retentionSeconds, BATCH);
      }
      if (total > 0) logger.info({ deletedEvents: total }, "retention cleanup");
    } catch (error) {
      logger.error({ err: error }, "retention cleanup failed; retried at the next interval");
    }
    if (!stopped) timer = setTimeout(() => void run(), options.intervalMs);
  };
  void run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
