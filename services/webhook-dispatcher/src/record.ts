import { newId, withTransaction } from "@event-hub/shared";
import type { Pool, PoolClient } from "pg";
import { decideAfterFailure, type BreakerPolicy } from "./circuit-breaker.ts";
import type { Verdict } from "./classify.ts";
import type { SendResult } from "./send-result.ts";
import type { ClaimedDelivery } from "./store/deliveries.ts";
import type { RecordDelivered } from "./delivered-recorder.ts";
import type { AttemptRow } from "./store/delivered.ts";
import { disableDestination } from "./store/destinations.ts";
import { countDestinationFailure, openBreaker } from "./store/health.ts";

export type AttemptRecord = {
  delivery: ClaimedDelivery;
  owner: string;
  startedAt: Date;
  result: SendResult;
  verdict: Verdict;
  /** When to try again; undefined when the delivery is finished (delivered, failed or parked). */
  nextAttemptAt: Date | undefined;
};

/** What recording changed beyond the delivery, for logs, metrics and operator events. */
export type RecordOutcome = {
  recorded: boolean;
  status: DeliveryStatus;
  breakerOpenUntil?: Date;
  /** Set when this attempt disabled the destination (410 or failing for too long). */
  disabledReason?: string;
};

type DeliveryStatus = "pending" | "delivered" | "failed" | "parked";

/**
 * Writes the attempt, moves the delivery on and updates the destination's health, in one
 * transaction. The update is fenced by the lease owner: a worker whose lease ran out and was taken
 * over cannot overwrite the new owner's work. Successes (the common case) go to `recordDelivered`,
 * which writes the same rows for many deliveries in one statement.
 */
export async function recordAttempt(
  db: Pool,
  record: AttemptRecord,
  policy: BreakerPolicy,
  recordDelivered: RecordDelivered,
): Promise<RecordOutcome> {
  const { delivery, verdict } = record;
  const status = statusAfter(verdict, record.nextAttemptAt);
  if (verdict.kind === "delivered") return { recorded: await recordDelivered(attemptRow(record)), status };
  return withTransaction(db, async (client) => {
    const isOwner = await updateDelivery(client, record, status);
    if (!isOwner) return { recorded: false, status }; // lease lost: the other worker records its own attempt
    await insertAttempt(client, record);
    const health = await countDestinationFailure(client, delivery.destinationId);
    const decision =
      verdict.kind === "gone"
        ? { disableReason: "receiver answered 410 Gone" }
        : decideAfterFailure(health, new Date(), policy);
    if (decision.disableReason) {
      const changed = await disableDestination(client, delivery.destinationId, decision.disableReason);
      return changed
        ? { recorded: true, status: "parked", disabledReason: decision.disableReason }
        : { recorded: true, status };
    }
    if (decision.breakerOpenUntil)
      await openBreaker(client, delivery.destinationId, decision.breakerOpenUntil);
    return decision.breakerOpenUntil
      ? { recorded: true, status, breakerOpenUntil: decision.breakerOpenUntil }
      : { recorded: true, status };
  });
}

async function updateDelivery(
  client: PoolClient,
  record: AttemptRecord,
  status: DeliveryStatus,
): Promise<boolean> {
  const error = record.verdict.kind === "delivered" ? null : describe(record.result, record.verdict);
  const updated = await client.query(
    `UPDATE deliveries
        SET attempt_count = $3, status = $4, next_attempt_at = COALESCE($5, next_attempt_at),
            last_error = $6, lease_owner = NULL,
            finished_at = CASE WHEN $4 = 'pending' THEN NULL ELSE now() END
      WHERE id = $1 AND lease_owner = $2`,
    [
      record.delivery.id,
      record.owner,
      record.delivery.attemptCount + 1,
      status,
      record.nextAttemptAt ?? null,
      error,
    ],
  );
  return (updated.rowCount ?? 0) > 0;
}

async function insertAttempt(client: PoolClient, record: AttemptRecord): Promise<void> {
  const row = attemptRow(record);
  await client.query(
    `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome,
       status_code, response_headers, response_body, error, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      row.id,
      row.deliveryId,
      row.attemptNumber,
      row.startedAt,
      row.durationMs,
      row.outcome,
      row.statusCode,
      row.responseHeaders,
      row.responseBody,
      row.error,
      row.nextAttemptAt,
    ],
  );
}

function attemptRow(record: AttemptRecord): AttemptRow {
  const { result, verdict } = record;
  return {
    id: newId("att"),
    deliveryId: record.delivery.id,
    attemptNumber: record.delivery.attemptCount + 1,
    startedAt: record.startedAt,
    durationMs: result.durationMs,
    outcome: verdict.kind === "delivered" ? "success" : verdict.outcome,
    statusCode: result.kind === "response" ? result.status : null,
    responseHeaders: result.kind === "response" ? result.headers : null,
    responseBody: result.kind === "response" ? result.body : null,
    error: result.kind === "failure" ? result.message : null,
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

/** Gives a claimed delivery back untouched (its destination was disabled meanwhile): no attempt. */
export async function releaseDelivery(db: Pool, delivery: ClaimedDelivery, owner: string): Promise<void> {
  await db.query(
    `UPDATE deliveries SET lease_owner = NULL, next_attempt_at = now() WHERE id = $1 AND lease_owner = $2`,
    [delivery.id, owner],
  );
}
