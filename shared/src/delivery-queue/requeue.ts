import { notifyDeliveriesDue } from "./channels.ts";
import type { QueuedDelivery } from "./enqueue.ts";
import { DELIVERY_COLUMNS, type DeliveryRow } from "./read-deliveries.ts";
import type { ConnectorScope, Queryable } from "./queryable.ts";
import { visibleDelivery } from "./visibility.ts";

/**
 * Resend, recover and redeliver: the delivery becomes due now with the whole retry schedule again,
 * and `deliveries_due` wakes a worker (at commit). Each takes the caller's ConnectorScope: what lies
 * beyond it is never re-queued.
 */

/** What a manual resend or recover sets: due now, with the whole retry schedule again. */
const REQUEUE = `status = 'pending', next_attempt_at = now(), schedule_offset = attempt_count,
  finished_at = NULL, last_error = NULL`;

/**
 * Redeliver (and the test event's one delivery): a delivery of the event to each destination, due
 * now — new rows for destinations without one, re-queued rows (unless still pending) for the others.
 * `id` is used for a new row. Returns the ids of the deliveries now due.
 */
export async function requeueEventDeliveries(
  db: Queryable,
  deliveries: ReadonlyArray<QueuedDelivery & { id: string }>,
  access: ConnectorScope,
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
  if (result.rows.length > 0) await notifyDeliveriesDue(db);
  return result.rows.map((row) => row.id);
}

/** Resend: re-queues one delivery unless it is still pending; undefined when it is (or does not exist). */
export async function requeueDelivery(
  db: Queryable,
  id: string,
  access: ConnectorScope,
): Promise<DeliveryRow | undefined> {
  const result = await db.query<DeliveryRow>(
    `UPDATE deliveries d SET ${REQUEUE}
      WHERE id = $1 AND status <> 'pending' AND ${visibleDelivery("d", 2)}
     RETURNING ${DELIVERY_COLUMNS}`,
    [id, access],
  );
  if (result.rows.length > 0) await notifyDeliveriesDue(db);
  return result.rows[0];
}

/** A recover's window: deliveries (and events) of the destination created in [since, until), at most `limit`. */
export type RecoverWindow = { destinationId: string; since: Date; until: Date; limit: number };

/** How many deliveries a recover re-queued, by the status they had. */
export type RequeuedStopped = { failed: number; parked: number };

/**
 * Recover: re-queues up to `limit` failed and parked deliveries of the destination created in
 * [since, until), oldest first. Their `seq` is kept, so an ordered destination's lanes keep event order.
 */
export async function requeueStoppedDeliveries(
  db: Queryable,
  window: RecoverWindow,
  access: ConnectorScope,
): Promise<RequeuedStopped> {
  const result = await db.query<RequeuedStopped>(
    `WITH picked AS (
       SELECT id, status FROM deliveries d
        WHERE destination_id = $1 AND status IN ('failed', 'parked') AND created_at >= $2 AND created_at < $3
          AND ${visibleDelivery("d", 5)}
        ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED),
     requeued AS (
       UPDATE deliveries SET ${REQUEUE} FROM picked WHERE deliveries.id = picked.id RETURNING picked.status)
     SELECT count(*) FILTER (WHERE status = 'failed')::int AS failed,
            count(*) FILTER (WHERE status = 'parked')::int AS parked
       FROM requeued`,
    [window.destinationId, window.since, window.until, window.limit, access],
  );
  const counts = result.rows[0] ?? { failed: 0, parked: 0 };
  if (counts.failed + counts.parked > 0) await notifyDeliveriesDue(db);
  return counts;
}

/**
 * Re-enabling: every parked delivery of the destination is due again (disabling parked what waited).
 * Returns how many.
 */
export async function unparkDeliveries(
  db: Queryable,
  destinationId: string,
  access: ConnectorScope,
): Promise<number> {
  const result = await db.query(
    `UPDATE deliveries d SET ${REQUEUE}
      WHERE destination_id = $1 AND status = 'parked' AND ${visibleDelivery("d", 2)}`,
    [destinationId, access],
  );
  const unparked = result.rowCount ?? 0;
  if (unparked > 0) await notifyDeliveriesDue(db);
  return unparked;
}
