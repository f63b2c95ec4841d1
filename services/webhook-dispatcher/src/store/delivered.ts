import type { Pool } from "pg";

/** An attempt row as stored in `delivery_attempts` (attempt number = the delivery's new attempt count). */
export type AttemptRow = {
  id: string;
  deliveryId: string;
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  nextAttemptAt: Date | null;
};

/**
 * Records successful attempts of many deliveries in ONE statement (atomic like a transaction, one
 * round trip instead of five per delivery): each delivery becomes delivered — fenced by the lease
 * owner —, its attempt row is written and its destination's failing streak ends, each only where
 * the fence held. Returns the ids of the deliveries recorded; a missing one lost its lease (the
 * other worker records its own attempt).
 */
export async function recordDeliveredAttempts(
  db: Pool,
  attempts: readonly AttemptRow[],
  owner: string,
): Promise<Set<string>> {
  const result = await db.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::int[], $7::int[],
                            $8::jsonb[], $9::text[])
         AS i (delivery_id, attempt_id, attempt_number, started_at, duration_ms, status_code,
               response_headers, response_body)
     ), moved AS (
       UPDATE deliveries d
          SET attempt_count = i.attempt_number, status = 'delivered', last_error = NULL, lease_owner = NULL,
              finished_at = now()
         FROM input i
        WHERE d.id = i.delivery_id AND d.lease_owner = $1
       RETURNING d.id, d.destination_id
     ), attempt AS (
       INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome,
         status_code, response_headers, response_body)
       SELECT i.attempt_id, i.delivery_id, i.attempt_number, i.started_at, i.duration_ms, 'success',
              i.status_code, i.response_headers, i.response_body
         FROM input i JOIN moved ON moved.id = i.delivery_id
     ), healthy AS (
       UPDATE destination_health
          SET consecutive_failures = 0, failing_since = NULL, breaker_open_until = NULL, last_success_at = now()
        WHERE destination_id IN (SELECT destination_id FROM moved)
          AND (consecutive_failures > 0 OR failing_since IS NOT NULL OR breaker_open_until IS NOT NULL)
     )
     SELECT id FROM moved`,
    [
      owner,
      attempts.map((a) => a.deliveryId),
      attempts.map((a) => a.id),
      attempts.map((a) => a.attemptNumber),
      attempts.map((a) => a.startedAt),
      attempts.map((a) => a.durationMs),
      attempts.map((a) => a.statusCode),
      attempts.map((a) => (a.responseHeaders ? JSON.stringify(a.responseHeaders) : null)),
      attempts.map((a) => a.responseBody),
    ],
  );
  return new Set(result.rows.map((row) => row.id));
}
