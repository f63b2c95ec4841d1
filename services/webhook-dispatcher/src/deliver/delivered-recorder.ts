import {
  writeAttempts,
  type AttemptInput,
  type AttemptWritten,
  type BreakerTransition,
  type OutcomeWindow,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { createBatchCollector } from "../batch-collector.ts";

/**
 * Records the successful attempts of one claim (1..N deliveries); resolves with what was written,
 * by delivery id (a delivery that no longer exists is absent).
 */
export type RecordDelivered = (attempts: readonly AttemptInput[]) => Promise<Map<string, AttemptWritten>>;

export type DeliveredRecorder = {
  record: RecordDelivered;
  /**
   * Resolves once every success handed in so far is written (their statement sent now, not after
   * the batch's wait). A failure waits for this before it is counted, so the breaker's window holds
   * this process's outcomes in the order they happened: the successes that came before it are in
   * the counts it decides on.
   */
  drain(): Promise<void>;
};

export type DeliveredRecorderOptions = {
  window: OutcomeWindow;
  /** A success closed a breaker: called once per destination and statement. */
  onBreakerClosed: (transition: BreakerTransition) => void;
  maxItems?: number;
  maxWaitMs?: number;
};

type Waiting = {
  attempts: readonly AttemptInput[];
  settle: (written: Map<string, AttemptWritten>) => void;
  fail: (error: unknown) => void;
};

/**
 * Successes that finish together are recorded together: one statement per batch (bounded by
 * `maxItems` claims, gathered for at most `maxWaitMs`). Each caller learns its own outcome; if the
 * statement fails, every caller of the batch gets the error (their leases run out and the
 * deliveries go again, as when a single record fails). The same statement counts the successes in
 * the breaker's window and closes breakers (no round trip of its own).
 */
export function createDeliveredRecorder(db: Pool, options: DeliveredRecorderOptions): DeliveredRecorder {
  const { window, onBreakerClosed, maxItems = 100, maxWaitMs = 2 } = options;
  const collector = createBatchCollector<Waiting>(
    async (batch) => {
      // One statement updates a delivery at most once: two attempts of one delivery (a late worker's
      // and its successor's, both in this process) go in separate statements.
      for (const round of roundsOfDistinctDeliveries(batch)) {
        try {
          const written = await writeAttempts(
            db,
            round.flatMap((waiting) => waiting.attempts),
            { countSuccesses: window },
          );
          reportClosed(written, onBreakerClosed);
          for (const waiting of round) waiting.settle(writtenOf(waiting.attempts, written));
        } catch (error) {
          for (const waiting of round) waiting.fail(error);
        }
      }
    },
    { maxItems, maxWaitMs },
  );
  return {
    record: (attempts) =>
      new Promise<Map<string, AttemptWritten>>((settle, fail) => collector.add({ attempts, settle, fail })),
    drain: () => collector.drain(),
  };
}

/** Each breaker a statement closed, once (every delivery of its destination in the statement carries it). */
function reportClosed(
  written: Map<string, AttemptWritten>,
  onBreakerClosed: (transition: BreakerTransition) => void,
): void {
  const closed = new Map<string, BreakerTransition>();
  for (const row of written.values())
    if (row.breakerClosedFrom)
      closed.set(row.destinationId, {
        destinationId: row.destinationId,
        from: row.breakerClosedFrom,
        to: "closed",
      });
  for (const transition of closed.values()) onBreakerClosed(transition);
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
