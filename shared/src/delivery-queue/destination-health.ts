import type { Queryable } from "./queryable.ts";
import { currentBucket, isInWindow, type OutcomeWindow } from "./breaker-window.ts";
import { liveLease } from "./live-lease.ts";

/**
 * What the dispatcher's breaker decides on after a failure: the failing streak (auto-disable), the
 * breaker as it stands, and the window's counts with this failure in them, read at the database's
 * `now` (the clock the claim compares `breaker_open_until` with).
 */
export type DestinationFailures = {
  consecutiveFailures: number;
  failingSince: Date;
  breakerOpenUntil: Date | null;
  /** When a claim let the half-open breaker's first probes go; null: none went yet. */
  breakerHalfOpenAt: Date | null;
  window: { successes: number; failures: number };
  now: Date;
};

/** A success closes the breaker and ends a failing streak. Touches the row only when it changes. */
export async function markDestinationHealthy(client: Queryable, destinationId: string): Promise<void> {
  await client.query(
    `UPDATE destination_health
        SET consecutive_failures = 0, failing_since = NULL, breaker_open_until = NULL,
            breaker_probes = NULL, breaker_half_open_at = NULL, last_success_at = now()
      WHERE destination_id = $1
        AND (consecutive_failures > 0 OR failing_since IS NOT NULL OR breaker_open_until IS NOT NULL)`,
    [destinationId],
  );
}

/**
 * Counts a failed attempt in the streak and in the window (dropping the destination's buckets that
 * left it), in one statement; returns what the breaker decides on. The bucket is written before the
 * health row (the health insert reads from it), the order the success statement locks them in, so
 * the two never deadlock. The statement's snapshot does not see its own bucket update, so the
 * window adds the updated current bucket to the other buckets read from the snapshot.
 */
export async function countDestinationFailure(
  client: Queryable,
  destinationId: string,
  window: OutcomeWindow,
): Promise<DestinationFailures> {
  const result = await client.query<{
    consecutive_failures: number;
    failing_since: Date;
    breaker_open_until: Date | null;
    breaker_half_open_at: Date | null;
    successes: number;
    failures: number;
    now: Date;
  }>(
    `WITH counted AS (
       INSERT INTO destination_outcomes (destination_id, bucket_start, failures)
       VALUES ($1, ${currentBucket("$2")}, 1)
       ON CONFLICT (destination_id, bucket_start) DO UPDATE SET failures = destination_outcomes.failures + 1
       RETURNING bucket_start, successes, failures
     ), expired AS (
       DELETE FROM destination_outcomes
        WHERE destination_id = $1 AND NOT ${isInWindow("bucket_start", "$3")}
     ), health AS (
       INSERT INTO destination_health (destination_id, consecutive_failures, failing_since, last_failure_at)
       SELECT $1, 1, now(), now() FROM counted
       ON CONFLICT (destination_id) DO UPDATE
          SET consecutive_failures = destination_health.consecutive_failures + 1,
              failing_since = COALESCE(destination_health.failing_since, now()),
              last_failure_at = now()
       RETURNING consecutive_failures, failing_since, breaker_open_until, breaker_half_open_at
     )
     SELECT h.consecutive_failures, h.failing_since, h.breaker_open_until, h.breaker_half_open_at, now() AS now,
            c.successes + COALESCE(o.successes, 0) AS successes, c.failures + COALESCE(o.failures, 0) AS failures
       FROM health h CROSS JOIN counted c
       CROSS JOIN LATERAL (
         SELECT sum(successes)::int AS successes, sum(failures)::int AS failures FROM destination_outcomes
          WHERE destination_id = $1 AND bucket_start <> c.bucket_start AND ${isInWindow("bucket_start", "$3")}) o`,
    [destinationId, window.bucketSeconds, window.windowSeconds],
  );
  const row = result.rows[0];
  if (!row) throw new Error(`counting a failure of ${destinationId} returned nothing`);
  return {
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
    breakerOpenUntil: row.breaker_open_until,
    breakerHalfOpenAt: row.breaker_half_open_at,
    window: { successes: row.successes, failures: row.failures },
    now: row.now,
  };
}

/**
 * Opens (or re-opens) the breaker until `until`; once that has passed, at most `probes` deliveries
 * may be in flight at once until a success closes it.
 */
export async function openBreaker(
  client: Queryable,
  destinationId: string,
  until: Date,
  probes: number,
): Promise<void> {
  await client.query(
    `UPDATE destination_health SET breaker_open_until = $2, breaker_probes = $3, breaker_half_open_at = NULL
      WHERE destination_id = $1`,
    [destinationId, until, probes],
  );
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
