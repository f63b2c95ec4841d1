import { withTransaction } from "@event-hub/shared";
import type { Pool } from "pg";
import { decideAfterFailure, type BreakerPolicy } from "./circuit-breaker.ts";
import type { Verdict } from "./classify.ts";
import type { RecordDelivered } from "./delivered-recorder.ts";
import type { SendResult } from "./send-result.ts";
import { writeAttempts, type AttemptInput } from "../store/attempts.ts";
import type { ClaimedDelivery } from "../store/deliveries.ts";
import { disableDestination } from "./destination-target.ts";
import { countDestinationFailure, openBreaker } from "../store/health.ts";

export type AttemptRecord = {
  /** Chosen once per attempt, so a retried write cannot record it twice. */
  attemptId: string;
  delivery: ClaimedDelivery;
  startedAt: Date;
  result: SendResult;
  verdict: Verdict;
  /** When to try again; undefined when the delivery is finished (delivered, failed or parked). */
  nextAttemptAt: Date | undefined;
};

/** What recording changed beyond the attempt row, for logs, metrics and operator events. */
export type RecordOutcome = {
  /** false: nothing was written (the delivery is gone with its destination, or a retry found it written). */
  recorded: boolean;
  /** false: the lease was taken over; the attempt row was written, the delivery left to its new owner. */
  isLeaseHeld: boolean;
  status: DeliveryStatus;
  breakerOpenUntil?: Date;
  /** Set when this attempt disabled the destination (410 or failing for too long). */
  disabledReason?: string;
};

type DeliveryStatus = AttemptInput["status"];

/**
 * Writes the attempt row (always: see `writeAttempts` for the fencing rule), moves the delivery on
 * where the lease still holds, and updates the destination's health — in one transaction. Only the
 * lease holder's attempt counts for health: a late worker's view of the receiver is out of date, and
 * its successor's attempt counts instead. Successes (the common case) go to `recordDelivered`, which
 * writes the same rows for many deliveries in one statement.
 */
export async function recordAttempt(
  db: Pool,
  record: AttemptRecord,
  policy: BreakerPolicy,
  recordDelivered: RecordDelivered,
): Promise<RecordOutcome> {
  const { delivery, verdict } = record;
  const attempt = attemptInput(record);
  const status = attempt.status;
  if (verdict.kind === "delivered") {
    const written = await recordDelivered(attempt);
    return { recorded: written !== undefined, isLeaseHeld: written?.isLeaseHeld ?? false, status };
  }
  return withTransaction(db, async (client) => {
    const written = (await writeAttempts(client, [attempt], { endFailingStreak: false })).get(delivery.id);
    if (!written) return { recorded: false, isLeaseHeld: false, status };
    if (!written.isLeaseHeld) return { recorded: true, isLeaseHeld: false, status };
    const health = await countDestinationFailure(client, delivery.destinationId);
    const decision =
      verdict.kind === "gone"
        ? { disableReason: "receiver answered 410 Gone" }
        : decideAfterFailure(health, new Date(), policy);
    const held = { recorded: true, isLeaseHeld: true } as const;
    if (decision.disableReason) {
      const changed = await disableDestination(client, delivery.destinationId, decision.disableReason);
      return changed
        ? { ...held, status: "parked", disabledReason: decision.disableReason }
        : { ...held, status };
    }
    if (decision.breakerOpenUntil)
      await openBreaker(client, delivery.destinationId, decision.breakerOpenUntil);
    return decision.breakerOpenUntil
      ? { ...held, status, breakerOpenUntil: decision.breakerOpenUntil }
      : { ...held, status };
  });
}

function attemptInput(record: AttemptRecord): AttemptInput {
  const { result, verdict } = record;
  return {
    id: record.attemptId,
    deliveryId: record.delivery.id,
    leaseToken: record.delivery.leaseToken,
    startedAt: record.startedAt,
    durationMs: result.durationMs,
    outcome: verdict.kind === "delivered" ? "success" : verdict.outcome,
    statusCode: result.kind === "response" ? result.status : null,
    responseHeaders: result.kind === "response" ? result.headers : null,
    responseBody: result.kind === "response" ? result.body : null,
    error: result.kind === "failure" ? result.message : null,
    status: statusAfter(verdict, record.nextAttemptAt),
    lastError: verdict.kind === "delivered" ? null : describe(record.result, verdict),
    nextAttemptAt: record.nextAttemptAt ?? null,
  };
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

/**
 * Gives a claimed delivery back untouched (its destination was disabled meanwhile): no attempt.
 * Fenced by the lease token: a lease that was taken over is not this worker's to give back.
 */
export async function releaseDelivery(db: Pool, delivery: ClaimedDelivery): Promise<void> {
  await db.query(
    `UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, next_attempt_at = now()
      WHERE id = $1 AND lease_token = $2`,
    [delivery.id, delivery.leaseToken],
  );
}
