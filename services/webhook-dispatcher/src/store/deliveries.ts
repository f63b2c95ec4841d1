import type { Pool } from "pg";

/** A claimed delivery with what is needed to send it. `dataText` is the event data exactly as stored. */
export type ClaimedDelivery = {
  id: string;
  eventId: string;
  destinationId: string;
  connectorId: string;
  attemptCount: number;
  trigger: string;
  dataText: string;
  correlationId: string | null;
  occurredAt: Date;
};

/**
 * Claims up to `limit` due deliveries for this worker. SKIP LOCKED lets replicas claim side by side;
 * the lease is next_attempt_at moved to the lease's end, so a dead worker's delivery is due again then.
 */
export async function claimDueDeliveries(
  db: Pool,
  claim: { owner: string; limit: number; leaseSeconds: number },
): Promise<ClaimedDelivery[]> {
  const result = await db.query<{
    id: string;
    event_id: string;
    destination_id: string;
    connector_id: string;
    attempt_count: number;
    trigger: string;
    data_text: string;
    correlation_id: string | null;
    occurred_at: Date;
  }>(
    `WITH due AS (
       SELECT id FROM deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE deliveries d
          SET lease_owner = $1, next_attempt_at = now() + make_interval(secs => $3)
         FROM due WHERE d.id = due.id
       RETURNING d.id, d.event_id, d.destination_id, d.connector_id, d.attempt_count
     )
     SELECT c.*, e.trigger, e.data::text AS data_text, e.correlation_id, e.occurred_at
       FROM claimed c JOIN events e ON e.id = c.event_id
      ORDER BY c.event_id`,
    [claim.owner, claim.limit, claim.leaseSeconds],
  );
  return result.rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    destinationId: row.destination_id,
    connectorId: row.connector_id,
    attemptCount: row.attempt_count,
    trigger: row.trigger,
    dataText: row.data_text,
    correlationId: row.correlation_id,
    occurredAt: row.occurred_at,
  }));
}
