import type { PoolClient } from "pg";
import type { FailureHealth } from "../deliver/circuit-breaker.ts";

/** A success closes the breaker and ends a failing streak. Touches the row only when it changes. */
export async function markDestinationHealthy(client: PoolClient, destinationId: string): Promise<void> {
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
  client: PoolClient,
  destinationId: string,
): Promise<FailureHealth> {
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

export async function openBreaker(client: PoolClient, destinationId: string, until: Date): Promise<void> {
  await client.query(`UPDATE destination_health SET breaker_open_until = $2 WHERE destination_id = $1`, [
    destinationId,
    until,
  ]);
}

/** Destinations whose breaker is open now, for /metrics. */
export type BreakerCounts = { closed: number; open: number; half_open: number };

/**
 * Enabled destinations by breaker state: open (cooling down, nothing sent), half_open (cooled down
 * with `threshold` or more failures in a row: the next claim sends one probe), closed (the rest).
 */
export async function countBreakers(
  db: Pick<PoolClient, "query">,
  threshold: number,
): Promise<BreakerCounts> {
  const result = await db.query<BreakerCounts>(
    `SELECT count(*) FILTER (WHERE h.breaker_open_until > now())::int AS open,
            count(*) FILTER (WHERE h.breaker_open_until <= now() AND h.consecutive_failures >= $1)::int AS half_open,
            count(*) FILTER (WHERE h.breaker_open_until IS NULL
                                OR (h.breaker_open_until <= now() AND h.consecutive_failures < $1))::int AS closed
       FROM destinations d LEFT JOIN destination_health h ON h.destination_id = d.id
      WHERE d.enabled`,
    [threshold],
  );
  return result.rows[0] ?? { closed: 0, open: 0, half_open: 0 };
}
