import type { Queryable } from "./queryable.ts";
import { liveLease } from "./live-lease.ts";

/** A destination's failing streak, for the dispatcher's breaker to decide on. */
export type FailureStreak = { consecutiveFailures: number; failingSince: Date };

/** A success closes the breaker and ends a failing streak. Touches the row only when it changes. */
export async function markDestinationHealthy(client: Queryable, destinationId: string): Promise<void> {
  await client.query(
    `UPDATE destination_health
        SET consecutive_failures = 0, failing_since = NULL, breaker_open_until = NULL, last_success_at = now()
      WHERE destination_id = $1
        AND (consecutive_failures > 0 OR failing_since IS NOT NULL OR breaker_open_until IS NOT NULL)`,
    [destinationId],
  );
}

/** Counts a failed attempt; returns the streak so the breaker can decide. */
export async function countDestinationFailure(
  client: Queryable,
  destinationId: string,
): Promise<FailureStreak> {
  const result = await client.query<{ consecutive_failures: number; failing_since: Date }>(
    `INSERT INTO destination_health (destination_id, consecutive_failures, failing_since, last_failure_at)
     VALUES ($1, 1, now(), now())
     ON CONFLICT (destination_id) DO UPDATE
        SET consecutive_failures = destination_health.consecutive_failures + 1,
            failing_since = COALESCE(destination_health.failing_since, now()),
            last_failure_at = now()
     RETURNING consecutive_failures, failing_since`,
    [destinationId],
  );
  const row = result.rows[0];
  return {
    consecutiveFailures: row?.consecutive_failures ?? 1,
    failingSince: row?.failing_since ?? new Date(),
  };
}

export async function openBreaker(client: Queryable, destinationId: string, until: Date): Promise<void> {
  await client.query(`UPDATE destination_health SET breaker_open_until = $2 WHERE destination_id = $1`, [
    destinationId,
    until,
  ]);
}

/**
 * Disables a destination and parks what waits for it (a resend or re-enable brings it back).
 * Deliveries in flight under a live lease are left to their workers: their requests may already have
 * reached the receiver, so each records its own attempt and outcome (a 410 parks it, a success
 * delivers it, a retry waits, pending, until the destination is enabled again).
 * Returns false when it was already disabled, so only one worker reports the change.
 */
export async function disableDestination(
  client: Queryable,
  destinationId: string,
  reason: string,
): Promise<boolean> {
  const updated = await client.query(
    `UPDATE destinations SET enabled = false, disabled_reason = $2, updated_at = now()
      WHERE id = $1 AND enabled`,
    [destinationId, reason],
  );
  await client.query(
    `UPDATE deliveries d SET status = 'parked', lease_owner = NULL, lease_token = NULL, finished_at = now(),
            last_error = $2
      WHERE d.destination_id = $1 AND d.status = 'pending' AND NOT ${liveLease("d")}`,
    [destinationId, `destination disabled: ${reason}`],
  );
  return (updated.rowCount ?? 0) > 0;
}
