import {
  countDestinationFailure,
  disableDestination,
  newId,
  openBreaker,
  withTransaction,
  writeAttempts,
  type AttemptInput,
  type AttemptWritten,
  type BreakerTransition,
  type ClaimedDelivery,
  type DeliveryClaim,
  type DeliveryStatus,
} from "@event-hub/shared";
import type { Pool } from "pg";
import {
  decideAfterFailure,
  outcomeWindowOf,
  type BreakerPolicy,
  type FailureDecision,
} from "./circuit-breaker.ts";
import type { Verdict } from "./classify.ts";
import type { DeliveredRecorder } from "./delivered-recorder.ts";
import type { SendResult } from "./send-result.ts";

/** One attempt of a claim: a single delivery, or the N deliveries a batch POST carried. */
export type ClaimAttempt = {
  claim: DeliveryClaim;
  startedAt: Date;
  result: SendResult;
  verdict: Verdict;
  /** When a delivery tries again; undefined when it is finished (delivered, failed or parked). */
  nextAttemptAt: (delivery: ClaimedDelivery) => Date | undefined;
};

/** What recording changed beyond the attempt rows, for logs, metrics and operator events. */
export type RecordOutcome = {
  /** Attempt rows written, by delivery (a delivery gone with its destination, or already written, is absent). */
  written: Map<string, AttemptWritten>;
  /** The deliveries whose lease still held, so their state moved; the others are left to their new claim. */
  moved: Set<string>;
  breakerOpenUntil?: Date;
  /** Set when this attempt opened the breaker (closed → open, or a failed probe: half-open → open). */
  breakerTransition?: BreakerTransition;
  /** Set when this attempt disabled the destination (410 or failing for too long). */
  disabledReason?: string;
};

/**
 * The attempt rows of a claim, one per delivery, their ids chosen once so a retried write cannot
 * record them twice. Every delivery gets the same outcome; each moves on by its own schedule.
 */
export function attemptInputs(attempt: ClaimAttempt): AttemptInput[] {
  const { result, verdict } = attempt;
  return attempt.claim.deliveries.map((delivery, index) => {
    const next = attempt.nextAttemptAt(delivery);
    return {
      id: newId("att"),
      deliveryId: delivery.id,
      leaseToken: delivery.leaseToken,
      startedAt: attempt.startedAt,
      durationMs: result.durationMs,
      outcome: verdict.kind === "delivered" ? "success" : verdict.outcome,
      statusCode: result.kind === "response" ? result.status : null,
      responseHeaders: result.kind === "response" ? result.headers : null,
      responseBody: result.kind === "response" ? result.body : null,
      error: result.kind === "failure" ? result.message : null,
      status: statusAfter(verdict, next),
      lastError: verdict.kind === "delivered" ? null : describe(result, verdict),
      nextAttemptAt: next ?? null,
      countsForBreaker: index === 0, // one POST, one outcome for the breaker's window
    };
  });
}

/**
 * Writes the claim's attempt rows (always: see `writeAttempts` for the fencing rule), moves on the
 * deliveries whose lease still holds, and updates the destination's health and breaker window — in
 * one transaction. One claim is one success or one failure for the breaker (a batch POST counts
 * once), and only if a lease held: a late worker's view of the receiver is out of date, its
 * successor's attempt counts instead. Successes (the common case) go to the delivered recorder,
 * which writes many claims' rows in one statement; a failure first waits until the successes this
 * process saw before it are written, so the window it decides on holds them (see `drain`). That wait
 * is one batch statement at most, and only failures pay it.
 */
export async function recordAttempts(
  db: Pool,
  record: { destinationId: string; attempts: AttemptInput[]; verdict: Verdict },
  policy: BreakerPolicy,
  delivered: DeliveredRecorder,
): Promise<RecordOutcome> {
  const { destinationId, attempts, verdict } = record;
  if (verdict.kind === "delivered") {
    const written = await delivered.record(attempts);
    return { written, moved: movedOf(written) };
  }
  await delivered.drain();
  return withTransaction(db, async (client) => {
    const written = await writeAttempts(client, attempts, {});
    const moved = movedOf(written);
    if (moved.size === 0) return { written, moved };
    const health = await countDestinationFailure(client, destinationId, outcomeWindowOf(policy));
    const decision: FailureDecision =
      verdict.kind === "gone"
        ? { kind: "disable", reason: "receiver answered 410 Gone" }
        : decideAfterFailure(health, policy);
    if (decision.kind === "disable") {
      const changed = await disableDestination(client, destinationId, decision.reason);
      return changed ? { written, moved, disabledReason: decision.reason } : { written, moved };
    }
    if (decision.kind === "stay") return { written, moved };
    await openBreaker(client, destinationId, decision.until, policy.halfOpenProbes);
    const breakerTransition: BreakerTransition = {
      destinationId,
      from: decision.from,
      to: "open",
      window: health.window,
      openUntil: decision.until,
    };
    return { written, moved, breakerOpenUntil: decision.until, breakerTransition };
  });
}

/** A delivery's status once recorded: what its attempt set, unless disabling parked it meanwhile. */
export function statusRecorded(attempt: AttemptInput, outcome: RecordOutcome): DeliveryStatus {
  return outcome.disabledReason && attempt.status === "pending" ? "parked" : attempt.status;
}

function movedOf(written: Map<string, AttemptWritten>): Set<string> {
  return new Set([...written].flatMap(([id, row]) => (row.isLeaseHeld ? [id] : [])));
}

function statusAfter(verdict: Verdict, next: Date | undefined): DeliveryStatus {
  if (verdict.kind === "delivered") return "delivered";
  if (verdict.kind === "gone") return "parked";
  if (verdict.kind === "retry" && next) return "pending";
  return "failed";
}

function describe(result: SendResult, verdict: Verdict): string {
  if (result.kind === "failure") return `${result.failure}: ${result.message}`;
  return verdict.kind === "failed" ? verdict.reason : `HTTP ${result.status}`;
}
