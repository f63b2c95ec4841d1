import type { Pool, PoolClient } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import type { DeliveryWaitFacts } from "../delivery-wait.ts";

export type DeliveryRow = {
  id: string;
  event_id: string;
  destination_id: string;
  connector_id: string;
  status: "pending" | "delivered" | "failed" | "parked";
  attempt_count: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
};

export type AttemptRow = {
  id: string;
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  error: string | null;
  next_attempt_at: Date | null;
};

type Db = Pool | PoolClient;

const COLUMNS = `id, event_id, destination_id, connector_id, status, attempt_count, next_attempt_at, last_error,
  created_at, finished_at`;

/** The Connector id of the hub's own `hub.test` events (send-test-event.ts). */
export const TEST_EVENT_CONNECTOR_ID = "hub";

/**
 * The deliveries a caller with ConnectorAccess $n may see and touch (NULL: every one): of an
 * event of its Connectors (or a `hub.test` event) AND to a destination it may see, one limited to
 * Connectors within its list — attempts hold that receiver's answers, so a delivery to a
 * destination of wider reach stays hidden too.
 */
function visibleDelivery(alias: string, n: number): string {
  return `($${n}::text[] IS NULL OR (
      (${alias}.connector_id = ANY ($${n}) OR ${alias}.connector_id = '${TEST_EVENT_CONNECTOR_ID}')
      AND EXISTS (SELECT 1 FROM destinations vis
                   WHERE vis.id = ${alias}.destination_id AND vis.connector_ids <@ $${n}::text[])))`;
}

/** What a manual resend or recover sets: due now, with the whole retry schedule again. */
const REQUEUE = `status = 'pending', next_attempt_at = now(), schedule_offset = attempt_count,
  finished_at = NULL, last_error = NULL`;

/** Wakes the dispatcher's delivery workers (delivered on commit). */
export async function notifyDeliveriesDue(db: Db): Promise<void> {
  await db.query(`NOTIFY deliveries_due`);
}

/**
 * A delivery of the event to each destination, due now: new rows for destinations without one,
 * re-queued rows (unless still pending) for the others. Returns the delivery ids.
 */
export async function upsertDeliveries(
  db: Db,
  deliveries: { id: string; eventId: string; destinationId: string; connectorId: string }[],
  access: ConnectorAccess,
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const result = await db.query<{ id: string }>(
    `INSERT INTO deliveries (id, event_id, destination_id, connector_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS n (id, event_id, destination_id, connector_id)
      WHERE ${visibleDelivery("n", 5)}
     ON CONFLICT (event_id, destination_id) DO UPDATE SET ${REQUEUE.replaceAll("attempt_count", "deliveries.attempt_count")}
       WHERE deliveries.status <> 'pending'
     RETURNING id`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.destinationId),
      deliveries.map((d) => d.connectorId),
      access,
    ],
  );
  return result.rows.map((row) => row.id);
}

export async function findDelivery(
  db: Db,
  id: string,
  access: ConnectorAccess,
): Promise<DeliveryRow | undefined> {
  const result = await db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM deliveries d WHERE id = $1 AND ${visibleDelivery("d", 2)}`,
    [id, access],
  );
  return result.rows[0];
}

/** What decides when a delivery goes next (explainWait), read in one statement at one `now()`. */
export async function findDeliveryWaitFacts(
  db: Db,
  id: string,
  access: ConnectorAccess,
): Promise<DeliveryWaitFacts | undefined> {
  const result = await db.query<{
    status: DeliveryWaitFacts["status"];
    next_attempt_at: Date;
    is_leased: boolean;
    type: string;
    enabled: boolean;
    disabled_reason: string | null;
    breaker_open_until: Date | null;
    max_in_flight: number;
    in_flight: number;
    rate_limit_per_second: number | null;
    rate_tokens: number | null;
    rate_elapsed_s: number | null;
    lane_head_id: string | null;
    now: Date;
  }>(
    `SELECT d.status, d.next_attempt_at, d.lease_owner IS NOT NULL AS is_leased,
            dest.type, dest.enabled, dest.disabled_reason, dest.max_in_flight, dest.rate_limit_per_second,
            h.breaker_open_until, h.rate_tokens, extract(epoch FROM now() - h.rate_updated_at)::float8 AS rate_elapsed_s,
            (SELECT count(*) FROM deliveries l
              WHERE l.destination_id = d.destination_id AND l.status = 'pending'
                AND l.lease_owner IS NOT NULL AND l.next_attempt_at > now())::int AS in_flight,
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
    maxInFlight: row.max_in_flight,
    inFlight: row.in_flight,
    ratePerSecond: row.rate_limit_per_second,
    rateTokens: row.rate_tokens,
    rateElapsedSeconds: row.rate_elapsed_s,
    laneHeadId: row.lane_head_id,
    now: row.now,
  };
}

export async function listAttempts(
  db: Db,
  deliveryId: string,
  access: ConnectorAccess,
): Promise<AttemptRow[]> {
  const result = await db.query<AttemptRow>(
    `SELECT a.id, a.attempt_number, a.started_at, a.duration_ms, a.outcome, a.status_code, a.response_headers,
            a.response_body, a.error, a.next_attempt_at
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
      WHERE a.delivery_id = $1 AND ${visibleDelivery("d", 2)}
      ORDER BY a.attempt_number`,
    [deliveryId, access],
  );
  return result.rows;
}

export type DeliveryFilter = {
  destinationId?: string;
  connectorId?: string;
  eventId?: string;
  status?: string;
  since?: Date;
  until?: Date;
};

/** Newest first; `before` is the last id of the previous page. */
export async function listDeliveries(
  db: Db,
  page: { limit: number; before?: string },
  filter: DeliveryFilter,
  access: ConnectorAccess,
): Promise<DeliveryRow[]> {
  const result = await db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM deliveries d
      WHERE ${visibleDelivery("d", 9)}
        AND ($1::text IS NULL OR id < $1)
        AND ($3::text IS NULL OR destination_id = $3)
        AND ($4::text IS NULL OR connector_id = $4)
        AND ($5::text IS NULL OR event_id = $5)
        AND ($6::text IS NULL OR status = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7)
        AND ($8::timestamptz IS NULL OR created_at < $8)
      ORDER BY id DESC LIMIT $2`,
    [
      page.before ?? null,
      page.limit,
      filter.destinationId ?? null,
      filter.connectorId ?? null,
      filter.eventId ?? null,
      filter.status ?? null,
      filter.since ?? null,
      filter.until ?? null,
      access,
    ],
  );
  return result.rows;
}

/** Re-queues one delivery unless it is still pending; undefined when it is (or does not exist). */
export async function requeueDelivery(
  db: Db,
  id: string,
  access: ConnectorAccess,
): Promise<DeliveryRow | undefined> {
  const result = await db.query<DeliveryRow>(
    `UPDATE deliveries d SET ${REQUEUE}
      WHERE id = $1 AND status <> 'pending' AND ${visibleDelivery("d", 2)}
     RETURNING ${COLUMNS}`,
    [id, access],
  );
  return result.rows[0];
}

/** Re-queues up to `limit` failed deliveries of the destination created in [since, until), oldest first. */
export async function requeueFailedDeliveries(
  db: Db,
  window: { destinationId: string; since: Date; until: Date; limit: number },
  access: ConnectorAccess,
): Promise<number> {
  const result = await db.query(
    `UPDATE deliveries SET ${REQUEUE}
      WHERE id IN (SELECT id FROM deliveries d
                    WHERE destination_id = $1 AND status = 'failed' AND created_at >= $2 AND created_at < $3
                      AND ${visibleDelivery("d", 5)}
                    ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)`,
    [window.destinationId, window.since, window.until, window.limit, access],
  );
  return result.rowCount ?? 0;
}

export async function listDeliveriesOfEvent(
  db: Db,
  eventId: string,
  access: ConnectorAccess,
): Promise<DeliveryRow[]> {
  const result = await db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM deliveries d WHERE event_id = $1 AND ${visibleDelivery("d", 2)} ORDER BY id`,
    [eventId, access],
  );
  return result.rows;
}
