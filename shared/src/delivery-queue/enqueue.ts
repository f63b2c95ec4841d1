import type { PoolClient } from "pg";
import { newId } from "../ids.ts";
import type { HubEvent } from "../pubsub/event-codec.ts";
import { notifyDeliveriesDue } from "./channels.ts";
import type { Queryable } from "./queryable.ts";

/** One delivery to create: an event to a destination, in the event's Connector lane. */
export type QueuedDelivery = { eventId: string; destinationId: string; connectorId: string };

/**
 * Stores a batch of events and their deliveries with one insert each. Both ignore rows that exist,
 * so a Pub/Sub message delivered twice (even twice in one batch) creates nothing new. Rows are
 * inserted in the order given, so `deliveries.seq` (lane order) follows arrival order. Returns how
 * many deliveries were new, and notifies `deliveries_due` when there are any.
 */
export async function storeEventsWithDeliveries(
  client: PoolClient,
  events: readonly HubEvent[],
  deliveries: readonly QueuedDelivery[],
): Promise<number> {
  await insertEvents(client, events);
  if (deliveries.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO deliveries (id, event_id, destination_id, connector_id)
     SELECT id, event_id, destination_id, connector_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
            AS d (id, event_id, destination_id, connector_id, position)
      ORDER BY position
     ON CONFLICT (event_id, destination_id) DO NOTHING`,
    [
      deliveries.map(() => newId("dlv")),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.destinationId),
      deliveries.map((d) => d.connectorId),
    ],
  );
  const created = result.rowCount ?? 0;
  // Delivered at commit: wakes the delivery workers of every replica.
  if (created > 0) await notifyDeliveriesDue(client);
  return created;
}

async function insertEvents(client: PoolClient, events: readonly HubEvent[]): Promise<void> {
  // data travels as text and becomes json in Postgres, so the stored text is exactly the serialised data.
  await client.query(
    `INSERT INTO events (id, connector_id, trigger, data, correlation_id, occurred_at)
     SELECT id, connector_id, trigger, data::json, correlation_id, occurred_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
            AS e (id, connector_id, trigger, data, correlation_id, occurred_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      events.map((e) => e.id),
      events.map((e) => e.connectorId),
      events.map((e) => e.trigger),
      events.map((e) => JSON.stringify(e.data ?? {})),
      events.map((e) => e.correlationId ?? null),
      events.map((e) => e.time),
    ],
  );
}

/**
 * Stores one event the hub makes itself (a `hub.test` event); `dataJson` is kept as given, and it
 * occurs now. Its deliveries are then created with `requeueEventDeliveries`.
 */
export async function insertEvent(
  db: Queryable,
  event: { id: string; connectorId: string; trigger: string; dataJson: string; correlationId: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO events (id, connector_id, trigger, data, correlation_id, occurred_at)
     VALUES ($1, $2, $3, $4::json, $5, now())`,
    [event.id, event.connectorId, event.trigger, event.dataJson, event.correlationId],
  );
}
