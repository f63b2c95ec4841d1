import type { PoolClient } from "pg";
import type { DestinationLoad } from "./allowance.ts";
import { BREAKER_STATE } from "./breaker-state.ts";
import { hasDueWork } from "./due-work.ts";
import { liveLease } from "./live-lease.ts";

/**
 * Destinations with due work that this transaction locked, with what limits them. Those whose
 * breaker is open are locked and returned too (one row each, whatever their backlog), so the claim
 * can count them as held.
 */
export async function lockDestinationsWithDueWork(
  client: PoolClient,
): Promise<Array<DestinationLoad & { ordered: boolean; isHalfOpenRecorded: boolean }>> {
  // Locking the destination row (SKIP LOCKED) makes one replica at a time claim for a destination,
  // so in-flight limits, rate limits and lanes hold across replicas. NO KEY UPDATE does not block
  // the consumer's foreign-key checks when it inserts deliveries.
  const locked = await client.query<{
    id: string;
    ordered: boolean;
    max_in_flight: number;
    rate_limit_per_second: number | null;
  }>({
    name: "lock-destinations-with-due-work",
    text: `SELECT d.id, d.ordered, d.max_in_flight, d.rate_limit_per_second
       FROM destinations d
      WHERE d.enabled AND d.type <> 'batch'
        AND ${hasDueWork("d")}
      ORDER BY random()
        FOR NO KEY UPDATE OF d SKIP LOCKED`,
  });
  if (locked.rows.length === 0) return [];
  // Leases and the token bucket are read in a second statement, whose snapshot is taken after the
  // locks are held: the first statement's snapshot predates them and can miss what another replica
  // leased and committed while we waited for its lock, letting both exceed the limits together.
  const loads = await client.query<{
    id: string;
    is_probing: boolean;
    is_breaker_open: boolean;
    probe_limit: number;
    is_half_open_recorded: boolean;
    leased: number;
    rate_tokens: number | null;
    rate_elapsed_s: number | null;
  }>({
    name: "destination-loads",
    text: `SELECT d.id,
            ${BREAKER_STATE},
            (SELECT count(*) FROM deliveries l
              WHERE l.destination_id = d.id AND ${liveLease("l")})::int AS leased,
            h.rate_tokens, extract(epoch FROM now() - h.rate_updated_at)::float8 AS rate_elapsed_s
       FROM unnest($1::text[]) AS d(id)
       LEFT JOIN destination_health h ON h.destination_id = d.id`,
    values: [locked.rows.map((row) => row.id)],
  });
  const loadOf = new Map(loads.rows.map((row) => [row.id, row]));
  return locked.rows.map((row) => {
    const load = loadOf.get(row.id);
    return {
      destinationId: row.id,
      ordered: row.ordered,
      maxInFlight: row.max_in_flight,
      leased: load?.leased ?? 0,
      isProbing: load?.is_probing ?? false,
      isBreakerOpen: load?.is_breaker_open ?? false,
      probeLimit: load?.probe_limit ?? 1,
      isHalfOpenRecorded: load?.is_half_open_recorded ?? false,
      ratePerSecond: row.rate_limit_per_second,
      rateTokens: load?.rate_tokens ?? null,
      rateElapsedSeconds: load?.rate_elapsed_s ?? null,
    };
  });
}

/**
 * Ids of due lane heads of an ordered destination: per Connector only its oldest pending delivery
 * may go, and only when it is due (a head waiting for a retry, or leased, holds its lane). Lanes are
 * found with a skip scan, so the cost grows with the number of lanes, not with their backlog.
 */
export async function pickDueLaneHeads(
  client: PoolClient,
  destinationId: string,
  limit: number,
): Promise<string[]> {
  const result = await client.query<{ id: string }>({
    name: "pick-due-lane-heads",
    text: `WITH RECURSIVE lanes (connector_id) AS (
       (SELECT connector_id FROM deliveries
         WHERE destination_id = $1 AND status = 'pending' ORDER BY connector_id LIMIT 1)
       UNION ALL
       SELECT (SELECT d.connector_id FROM deliveries d
                WHERE d.destination_id = $1 AND d.status = 'pending' AND d.connector_id > lanes.connector_id
                ORDER BY d.connector_id LIMIT 1)
         FROM lanes WHERE lanes.connector_id IS NOT NULL
     ), heads AS (
       SELECT head.id, head.next_attempt_at FROM lanes
       CROSS JOIN LATERAL (
         SELECT id, next_attempt_at FROM deliveries d
          WHERE d.destination_id = $1 AND d.status = 'pending' AND d.connector_id = lanes.connector_id
          ORDER BY d.seq LIMIT 1) head
        WHERE lanes.connector_id IS NOT NULL
     )
     SELECT d.id FROM deliveries d JOIN heads h ON h.id = d.id
      WHERE h.next_attempt_at <= now()
      ORDER BY h.next_attempt_at
      LIMIT $2
        FOR UPDATE OF d SKIP LOCKED`,
    values: [destinationId, limit],
  });
  return result.rows.map((row) => row.id);
}

/**
 * Records that a half-open breaker let its first probes go: the open → half-open transition, once
 * (the claim holds the destination's lock, so no other replica records it too). Returns the probe
 * limit, or undefined when another claim recorded it already or a success closed the breaker.
 */
export async function recordHalfOpen(client: PoolClient, destinationId: string): Promise<number | undefined> {
  const result = await client.query<{ probes: number }>(
    `UPDATE destination_health SET breaker_half_open_at = now()
      WHERE destination_id = $1 AND breaker_half_open_at IS NULL AND breaker_open_until <= now()
     RETURNING COALESCE(breaker_probes, 1) AS probes`,
    [destinationId],
  );
  return result.rows[0]?.probes;
}

/** Stores the token bucket after a claim took `used` tokens from it. */
export async function storeRateTokens(
  client: PoolClient,
  destinationId: string,
  tokens: number,
): Promise<void> {
  await client.query(
    `INSERT INTO destination_health (destination_id, rate_tokens, rate_updated_at) VALUES ($1, $2, now())
     ON CONFLICT (destination_id) DO UPDATE SET rate_tokens = $2, rate_updated_at = now()`,
    [destinationId, tokens],
  );
}
