import type { Pool } from "pg";
import { createBatchCollector } from "./batch-collector.ts";
import { recordDeliveredAttempts, type AttemptRow } from "./store/delivered.ts";

/** Records a successful attempt; resolves false when the lease was lost. */
export type RecordDelivered = (attempt: AttemptRow) => Promise<boolean>;

type Waiting = { attempt: AttemptRow; settle: (recorded: boolean) => void; fail: (error: unknown) => void };

/**
 * Successes that finish together are recorded together: one statement per batch (bounded by
 * `maxItems`, gathered for at most `maxWaitMs`). Each caller learns its own outcome; if the
 * statement fails, every caller of the batch gets the error (their leases run out and the
 * deliveries go again, as when a single record fails).
 */
export function createDeliveredRecorder(
  db: Pool,
  owner: string,
  options = { maxItems: 100, maxWaitMs: 2 },
): RecordDelivered {
  const collector = createBatchCollector<Waiting>(async (batch) => {
    try {
      const recorded = await recordDeliveredAttempts(
        db,
        batch.map((waiting) => waiting.attempt),
        owner,
      );
      for (const waiting of batch) waiting.settle(recorded.has(waiting.attempt.deliveryId));
    } catch (error) {
      for (const waiting of batch) waiting.fail(error);
    }
  }, options);
  return (attempt) => new Promise<boolean>((settle, fail) => collector.add({ attempt, settle, fail }));
}
