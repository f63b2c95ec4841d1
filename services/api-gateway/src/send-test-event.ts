import { newId, withTransaction } from "@event-hub/shared";
import type { Pool } from "pg";
import { insertEvent } from "./store/events.ts";
import { notifyDeliveriesDue, upsertDeliveries } from "./store/deliveries.ts";
import { findWebhook } from "./update-webhook.ts";

const TEST_TRIGGER = "hub.test";
const TEST_CONNECTOR_ID = "hub";

/**
 * A synthetic `hub.test` event (Connector id `hub`) stored with one delivery to this destination:
 * the dispatcher sends it like any event — signed, with the destination's auth, retries, record.
 */
export async function sendTestEvent(
  db: Pool,
  destinationId: string,
  correlationId: string,
): Promise<{ eventId: string; deliveryId: string }> {
  await findWebhook(db, destinationId);
  const eventId = newId("evt");
  const deliveryId = newId("dlv");
  const data = {
    message: "Test event from Connector Event Hub",
    destinationId,
    sentAt: new Date().toISOString(),
  };
  await withTransaction(db, async (client) => {
    await insertEvent(client, {
      id: eventId,
      connectorId: TEST_CONNECTOR_ID,
      trigger: TEST_TRIGGER,
      dataJson: JSON.stringify(data),
      correlationId,
    });
    await upsertDeliveries(client, [
      { id: deliveryId, eventId, destinationId, connectorId: TEST_CONNECTOR_ID },
    ]);
    await notifyDeliveriesDue(client);
  });
  return { eventId, deliveryId };
}
