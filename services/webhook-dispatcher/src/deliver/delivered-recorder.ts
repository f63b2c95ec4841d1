import type { Pool } from "pg";
import { createBatchCollector } from "../batch-collector.ts";
import { writeAttempts, type AttemptInput, type AttemptWritten } from "../store/attempts.ts";

/** Records a successful attempt; resolves undefined when its delivery no longer exists. */
export type RecordDelivered = (attempt: AttemptInput) => Promise<AttemptWritten | undefined>;

type Waiting = {
  attempt: AttemptInput;
  settle: (written: AttemptWritten | undefined) => void;
  fail: (error: unknown) => void;
};

/**
 * Successes that finish together are recorded together: one statement per batch (bounded by
 * `maxItems`, gathered for at most `maxWaitMs`). Each caller learns its own outcome; if the
 * statement fails, every caller of the batch gets the error (their leases run out and the
 * deliveries go again, as when a single record fails).
 */
export function createDeliveredRecorder(
  db: Pool,
  options = { maxItems: 100, maxWaitMs: 2 },
): RecordDelivered {
  const collector = createBatchCollector<Waiting>(async (batch) => {
    // One statement updates a delivery at most once: two attempts of one delivery (a late worker's
    // and its successor's, both in this process) go in separate statements.
    for (const round of roundsOfDistinctDeliveries(batch)) {
      try {
        const written = await writeAttempts(
          db,
          round.map((waiting) => waiting.attempt),
          { endFailingStreak: true },
        );
        for (const waiting of round) waiting.settle(written.get(waiting.attempt.deliveryId));
      } catch (error) {
        for (const waiting of round) waiting.fail(error);
      }
    }
  }, options);
  return (attempt) =>
    new Promise<AttemptWritten | undefined>((settle, fail) => collector.add({ attempt, settle, fail }));
}

function roundsOfDistinctDeliveries(batch: Waiting[]): Waiting[][] {
  const rounds: Array<{ ids: Set<string>; items: Waiting[] }> = [];
  for (const waiting of batch) {
    const id = waiting.attempt.deliveryId;
    let round = rounds.find((r) => !r.ids.has(id));
    if (!round) rounds.push((round = { ids: new Set(), items: [] }));
    round.ids.add(id);
    round.items.push(waiting);
  }
  return rounds.map((round) => round.items);
}
