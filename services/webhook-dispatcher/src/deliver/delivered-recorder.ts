import { writeAttempts, type AttemptInput, type AttemptWritten } from "@event-hub/shared";
import type { Pool } from "pg";
import { createBatchCollector } from "../batch-collector.ts";

/**
 * Records the successful attempts of one claim (1..N deliveries); resolves with what was written,
 * by delivery id (a delivery that no longer exists is absent).
 */
export type RecordDelivered = (attempts: readonly AttemptInput[]) => Promise<Map<string, AttemptWritten>>;

type Waiting = {
  attempts: readonly AttemptInput[];
  settle: (written: Map<string, AttemptWritten>) => void;
  fail: (error: unknown) => void;
};

/**
 * Successes that finish together are recorded together: one statement per batch (bounded by
 * `maxItems` claims, gathered for at most `maxWaitMs`). Each caller learns its own outcome; if the
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
          round.flatMap((waiting) => waiting.attempts),
          { endFailingStreak: true },
        );
        for (const waiting of round) waiting.settle(writtenOf(waiting.attempts, written));
      } catch (error) {
        for (const waiting of round) waiting.fail(error);
      }
    }
  }, options);
  return (attempts) =>
    new Promise<Map<string, AttemptWritten>>((settle, fail) => collector.add({ attempts, settle, fail }));
}

function writtenOf(
  attempts: readonly AttemptInput[],
  written: Map<string, AttemptWritten>,
): Map<string, AttemptWritten> {
  return new Map(
    attempts.flatMap((attempt) => {
      const row = written.get(attempt.deliveryId);
      return row ? [[attempt.deliveryId, row] as const] : [];
    }),
  );
}

function roundsOfDistinctDeliveries(batch: Waiting[]): Waiting[][] {
  const rounds: Array<{ ids: Set<string>; items: Waiting[] }> = [];
  for (const waiting of batch) {
    const ids = waiting.attempts.map((attempt) => attempt.deliveryId);
    let round = rounds.find((r) => !ids.some((id) => r.ids.has(id)));
    if (!round) rounds.push((round = { ids: new Set(), items: [] }));
    for (const id of ids) round.ids.add(id);
    round.items.push(waiting);
  }
  return rounds.map((round) => round.items);
}
