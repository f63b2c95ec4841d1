import type { DeliveryWaitFacts } from "./explain-wait.ts";
import { liveLease } from "./live-lease.ts";
import type { ConnectorScope, Queryable } from "./queryable.ts";
import { visibleDelivery } from "./visibility.ts";

/** What decides when a delivery goes next (`explainWait`), read in one statement at one `now()`. */
export async function findDeliveryWaitFacts(
  db: Queryable,
  id: string,
  access: ConnectorScope,
): Promise<DeliveryWaitFacts | undefined> {
  const result = await db.query<{
    status: DeliveryWaitFacts["status"];
    next_attempt_at: Date;
    is_leased: boolean;
    type: string;
    enabled: boolean;
    disabled_reason: string | null;
    breaker_open_until: Date | null;
    breaker_probes: number;
    max_in_flight: number;
    in_flight: number;
    rate_limit_per_second: number | null;
    rate_tokens: number | null;
    rate_elapsed_s: number | null;
    lane_head_id: string | null;
    now: Date;
  }>(
    `SELECT d.status, d.next_attempt_at, ${liveLease("d")} AS is_leased,
            dest.type, dest.enabled, dest.disabled_reason, dest.max_in_flight, dest.rate_limit_per_second,
            h.breaker_open_until, COALESCE(h.breaker_probes, 1) AS breaker_probes, h.rate_tokens, extract(epoch FROM now() - h.rate_updated_at)::float8 AS rate_elapsed_s,
            (SELECT count(*) FROM deliveries l
              WHERE l.destination_id = d.destination_id AND ${liveLease("l")})::int AS in_flight,
            (SELECT a.id FROM deliveries a
              WHERE dest.ordered AND a.destination_id = d.destination_id AND a.connector_id = d.connector_id
                AND a.status = 'pending' AND a.seq < d.seq
              ORDER BY a.seq LIMIT 1) AS lane_head_id,
            now() AS now
       FROM deliveries d
       JOIN destinations dest ON dest.id = d.destination_id
       LEFT JOIN destination_health h ON h.destination_id = d.destination_id
      WHERE d.id = $1 AND ${visibleDelivery("d", 2)}`,
    [id, access],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    status: row.status,
    nextAttemptAt: row.next_attempt_at,
    isLeased: row.is_leased,
    destinationType: row.type,
    destinationEnabled: row.enabled,
    disabledReason: row.disabled_reason,
    breakerOpenUntil: row.breaker_open_until,
    breakerProbes: row.breaker_probes,
    maxInFlight: row.max_in_flight,
    inFlight: row.in_flight,
    ratePerSecond: row.rate_limit_per_second,
    rateTokens: row.rate_tokens,
    rateElapsedSeconds: row.rate_elapsed_s,
    laneHeadId: row.lane_head_id,
    now: row.now,
  };
}
