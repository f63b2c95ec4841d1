import type { PoolClient } from "pg";
import type { DestinationLoad } from "../delivery-allowance.ts";

/** A claimed delivery with what is needed to send it. `dataText` is the event data exactly as stored. */
export type ClaimedDelivery = {
  id: string;
  /** This claim's fencing token: only the holder of the current token may change the delivery. */
  leaseToken: string;
  eventId: string;
  destinationId: string;
  connectorId: string;
  attemptCount: number;
  /** Attempts made before the current retry schedule began (a resend restarts the schedule). */
  scheduleOffset: number;
  trigger: string;
  dataText: string;
  correlationId: string | null;
  occurredAt: Date;
};

/**
 * Destinations with due work that this transaction locked, with what limits them. Those whose
 * breaker is open are locked and returned too (one row each, whatever their backlog), so the claim
 * can count them as held.
 */
export async function lockDestinationsWithDueWork(
  client: PoolClient,
  breakerThreshold: number,
): Promise<Array<DestinationLoad & { ordered: boolean }>> {
  // Locking the destination row (SKIP LOCKED) makes one replica at a time claim for a destination,
  // so in-flight limits, rate limits and lanes hold across replicas. NO KEY UPDATE does not block
  // the consumer's foreign-key checks when it inserts deliveries.
  const locked = await client.query<{
    id: string;
    ordered: boolean;
    max_in_flight: number;
    rate_limit_per_second: number | null;
  }>(
    `SELECT d.id, d.ordered, d.max_in_flight, d.rate_limit_per_second
       FROM destinations d
      WHERE d.enabled AND d.type <> 'batch'
        AND EXISTS (SELECT 1 FROM deliveries w
                     WHERE w.destination_id = d.id AND w.status = 'pending' AND w.next_attempt_at <= now())
      ORDER BY random()
        FOR NO KEY UPDATE OF d SKIP LOCKED`,
  );
  if (locked.rows.length === 0) return [];
  // Leases and the token bucket are read in a second statement, whose snapshot is taken after the
  // locks are held: the first statement's snapshot predates them and can miss what another replica
  // leased and committed while we waited for its lock, letting both exceed the limits together.
  const loads = await client.query<{
    id: string;
    is_probing: boolean;
    is_breaker_open: boolean;
    leased: number;
    rate_tokens: number | null;
    rate_elapsed_s: number | null;
  }>(
    `SELECT d.id,
            COALESCE(h.consecutive_failures >= $2, false) AS is_probing,
            COALESCE(h.breaker_open_until > now(), false) AS is_breaker_open,
            (SELECT count(*) FROM deliveries l
              WHERE l.destination_id = d.id AND l.status = 'pending'
                AND l.lease_owner IS NOT NULL AND l.next_attempt_at > now())::int AS leased,
            h.rate_tokens, extract(epoch FROM now() - h.rate_updated_at)::float8 AS rate_elapsed_s
       FROM unnest($1::text[]) AS d(id)
       LEFT JOIN destination_health h ON h.destination_id = d.id`,
    [locked.rows.map((row) => row.id), breakerThreshold],
  );
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
      ratePerSecond: row.rate_limit_per_second,
      rateTokens: load?.rate_tokens ?? null,
      rateElapsedSeconds: load?.rate_elapsed_s ?? null,
    };
  });
}

/** Ids of up to `limit` due deliveries of one unordered destination, oldest due first. */
export async function pickDueDeliveries(
  client: PoolClient,
  destinationId: string,
  limit: number,
): Promise<string[]> {
  const result = await client.query<{ id: string }>(
    `SELECT id FROM deliveries
      WHERE destination_id = $1 AND status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT $2
        FOR UPDATE SKIP LOCKED`,
    [destinationId, limit],
  );
  return result.rows.map((row) => row.id);
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
  const result = await client.query<{ id: string }>(
    `WITH RECURSIVE lanes (connector_id) AS (
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
    [destinationId, limit],
  );
  return result.rows.map((row) => row.id);
}

/**
 * Leases the picked deliveries to `owner` for `leaseSeconds`: next_attempt_at moves to the lease's
 * end, so a dead worker's delivery is simply due again then, and each gets a new fencing token. The
 * lease is short; the worker renews it while it works (`renewLeases`).
 */
export async function leaseDeliveries(
  client: PoolClient,
  lease: { ids: string[]; owner: string; leaseSeconds: number },
): Promise<ClaimedDelivery[]> {
  if (lease.ids.length === 0) return [];
  const result = await client.query<{
    id: string;
    lease_token: string;
    event_id: string;
    destination_id: string;
    connector_id: string;
    attempt_count: number;
    schedule_offset: number;
    trigger: string;
    data_text: string;
    correlation_id: string | null;
    occurred_at: Date;
  }>(
    `WITH claimed AS (
       UPDATE deliveries d
          SET lease_owner = $2, lease_token = gen_random_uuid(),
              next_attempt_at = now() + make_interval(secs => $3::float8)
        WHERE d.id = ANY ($1::text[])
       RETURNING d.id, d.lease_token, d.event_id, d.destination_id, d.connector_id, d.attempt_count,
                 d.schedule_offset, d.seq
     )
     SELECT c.*, e.trigger, e.data::text AS data_text, e.correlation_id, e.occurred_at
       FROM claimed c JOIN events e ON e.id = c.event_id
      ORDER BY c.seq`,
    [lease.ids, lease.owner, lease.leaseSeconds],
  );
  return result.rows.map((row) => ({
    id: row.id,
    leaseToken: row.lease_token,
    eventId: row.event_id,
    destinationId: row.destination_id,
    connectorId: row.connector_id,
    attemptCount: row.attempt_count,
    scheduleOffset: row.schedule_offset,
    trigger: row.trigger,
    dataText: row.data_text,
    correlationId: row.correlation_id,
    occurredAt: row.occurred_at,
  }));
}

/** A lease as its holder knows it: the delivery and the token its claim got. */
export type LeaseRef = { id: string; leaseToken: string };

/**
 * Extends, in ONE statement, every lease in `leases` that is still held — same token, still
 * pending, not yet run out — to `leaseSeconds` from now. Returns the ids renewed; a lease missing
 * from it was lost (run out and claimed again, or its delivery finished or parked meanwhile).
 */
export async function renewLeases(
  db: Pick<PoolClient, "query">,
  leases: readonly LeaseRef[],
  leaseSeconds: number,
): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const result = await db.query<{ id: string }>(
    // Rows are locked in id order, as writeAttempts locks them: the two never deadlock.
    `WITH held AS (
       SELECT d.id FROM deliveries d JOIN unnest($1::text[], $2::uuid[]) AS l (id, token) ON l.id = d.id
        WHERE d.lease_token = l.token AND d.status = 'pending' AND d.next_attempt_at > now()
        ORDER BY d.id
          FOR UPDATE OF d
     )
     UPDATE deliveries d SET next_attempt_at = now() + make_interval(secs => $3::float8)
       FROM held WHERE d.id = held.id
     RETURNING d.id`,
    [leases.map((lease) => lease.id), leases.map((lease) => lease.leaseToken), leaseSeconds],
  );
  return new Set(result.rows.map((row) => row.id));
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

/** Due backlog and the age of its oldest delivery, for /metrics (pending rows not leased). */
export async function measureDueBacklog(
  db: Pick<PoolClient, "query">,
): Promise<{ due: number; oldestDueSeconds: number }> {
  const result = await db.query<{ due: number; oldest: number | null }>(
    `SELECT count(*)::int AS due, extract(epoch FROM now() - min(next_attempt_at))::float8 AS oldest
       FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()`,
  );
  const row = result.rows[0];
  return { due: row?.due ?? 0, oldestDueSeconds: row?.oldest ?? 0 };
}
