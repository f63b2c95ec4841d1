import { BREAKER_COUNTS } from "./breaker-state.ts";
import type { Queryable } from "./queryable.ts";

/** Due backlog and the age of its oldest delivery, for /metrics (pending rows not leased). */
export async function measureDueBacklog(db: Queryable): Promise<{ due: number; oldestDueSeconds: number }> {
  const result = await db.query<{ due: number; oldest: number | null }>(
    `SELECT count(*)::int AS due, extract(epoch FROM now() - min(next_attempt_at))::float8 AS oldest
       FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()`,
  );
  const row = result.rows[0];
  return { due: row?.due ?? 0, oldestDueSeconds: row?.oldest ?? 0 };
}

/** Destinations whose breaker is open now, for /metrics. */
export type BreakerCounts = { closed: number; open: number; half_open: number };

/**
 * Enabled destinations by breaker state, read as the claim reads it: open (cooling down, nothing
 * sent), half_open (cooled down, not yet closed by a success: claims send its probes, up to
 * `breaker_probes` at a time), closed (the rest).
 */
export async function countBreakers(db: Queryable): Promise<BreakerCounts> {
  const result = await db.query<BreakerCounts>(
    `SELECT ${BREAKER_COUNTS}
       FROM destinations d LEFT JOIN destination_health h ON h.destination_id = d.id
      WHERE d.enabled`,
  );
  return result.rows[0] ?? { closed: 0, open: 0, half_open: 0 };
}
