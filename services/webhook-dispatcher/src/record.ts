import { newId, withTransaction } from "@event-hub/shared";
import type { Pool, PoolClient } from "pg";
import type { Verdict } from "./classify.ts";
import type { SendResult } from "./send.ts";
import type { ClaimedDelivery } from "./store/deliveries.ts";

export type AttemptRecord = {
  delivery: ClaimedDelivery;
  owner: string;
  startedAt: Date;
  result: SendResult;
  verdict: Verdict;
  /** When to try again; undefined when the delivery is finished (delivered, failed or parked). */
  nextAttemptAt: Date | undefined;
};

/**
 * Writes the attempt and moves the delivery on, in one transaction. The update is fenced by the
 * lease owner: a worker whose lease ran out and was taken over cannot overwrite the new owner's work.
 */
export async function recordAttempt(db: Pool, record: AttemptRecord): Promise<void> {
  const { delivery, result, verdict } = record;
  const attemptNumber = delivery.attemptCount + 1;
  const status = statusAfter(verdict, record.nextAttemptAt);
  const error = verdict.kind === "delivered" ? null : describe(result, verdict);
  await withTransaction(db, async (client) => {
    const updated = await client.query(
      `UPDATE deliveries
          SET attempt_count = $3, status = $4, next_attempt_at = COALESCE($5, next_attempt_at),
              last_error = $6, lease_owner = NULL,
              finished_at = CASE WHEN $4 = 'pending' THEN NULL ELSE now() END
        WHERE id = $1 AND lease_owner = $2`,
      [delivery.id, record.owner, attemptNumber, status, record.nextAttemptAt ?? null, error],
    );
    if (updated.rowCount === 0) return; // lease lost: the other worker records its own attempt
    await client.query(
      `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome,
         status_code, response_headers, response_body, error, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        newId("att"),
        delivery.id,
        attemptNumber,
        record.startedAt,
        result.durationMs,
        verdict.kind === "delivered" ? "success" : verdict.outcome,
        result.kind === "response" ? result.status : null,
        result.kind === "response" ? result.headers : null,
        result.kind === "response" ? result.body : null,
        result.kind === "failure" ? result.message : null,
        record.nextAttemptAt ?? null,
      ],
    );
    if (verdict.kind === "gone") await disableDestination(client, delivery.destinationId);
  });
}

function statusAfter(
  verdict: Verdict,
  next: Date | undefined,
): "pending" | "delivered" | "failed" | "parked" {
  if (verdict.kind === "delivered") return "delivered";
  if (verdict.kind === "gone") return "parked";
  if (verdict.kind === "retry" && next) return "pending";
  return "failed";
}

function describe(result: SendResult, verdict: Verdict): string {
  if (result.kind === "failure") return `${result.failure}: ${result.message}`;
  return verdict.kind === "failed" ? verdict.reason : `HTTP ${result.status}`;
}

/** 410 Gone: the receiver asked us to stop. Disable the destination and park what waits for it. */
async function disableDestination(client: PoolClient, destinationId: string): Promise<void> {
  await client.query(
    `UPDATE destinations SET enabled = false, disabled_reason = 'receiver answered 410 Gone', updated_at = now()
      WHERE id = $1`,
    [destinationId],
  );
  await client.query(
    `UPDATE deliveries SET status = 'parked', lease_owner = NULL, finished_at = now()
      WHERE destination_id = $1 AND status = 'pending'`,
    [destinationId],
  );
}

/** Parks a delivery whose destination was deleted or disabled; nothing was sent. */
export async function parkDelivery(
  db: Pool,
  delivery: ClaimedDelivery,
  owner: string,
  reason: string,
): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = 'parked', last_error = $3, lease_owner = NULL, finished_at = now()
      WHERE id = $1 AND lease_owner = $2`,
    [delivery.id, owner, reason],
  );
}
