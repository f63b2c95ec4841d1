import type { HubEvent } from "@event-hub/shared";
import { newId } from "@event-hub/shared";
import type { PoolClient } from "pg";

/**
 * Stores the event and one delivery per destination. Both inserts ignore rows that exist, so a
 * Pub/Sub message delivered twice creates nothing new. Returns how many deliveries were new, and
 * notifies `deliveries_due` when there are any.
 */
export async function storeEventWithDeliveries(
  client: PoolClient,
  event: HubEvent,
  destinationIds: string[],
): Promise<number> {
  await client.query(
    `INSERT INTO events (id, connector_id, trigger, data, correlation_id, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [
      event.id,
      event.connectorId,
      event.trigger,
      JSON.stringify(event.data ?? {}),
      event.correlationId ?? null,
      event.time,
    ],
  );
  if (destinationIds.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO deliveries (id, event_id, destination_id, connector_id)
     SELECT ids.delivery_id, $1, ids.destination_id, $2
       FROM unnest($3::text[], $4::text[]) AS ids (delivery_id, destination_id)
     ON CONFLICT (event_id, destination_id) DO NOTHING`,
    [event.id, event.connectorId, destinationIds.map(() => newId("dlv")), destinationIds],
  );
  const created = result.rowCount ?? 0;
  // Delivered at commit: wakes the delivery workers of every replica.
  if (created > 0) await client.query(`SELECT pg_notify('deliveries_due', '')`);
  return created;
}
