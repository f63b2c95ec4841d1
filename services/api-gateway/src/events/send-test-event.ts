import {
  insertEvent,
  newId,
  requeueEventDeliveries,
  TEST_EVENT_CONNECTOR_ID,
  withTransaction,
} from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import { findWebhook } from "../webhooks/update-webhook.ts";

const TEST_TRIGGER = "hub.test";

/**
 * A synthetic `hub.test` event (Connector id `hub`) stored with one delivery to this destination:
 * the dispatcher sends it like any event — signed, with the destination's auth, retries, record.
 * A key limited to Connectors can test its own destinations and read the test delivery; the
 * `hub` event itself only unlimited keys read.
 */
export async function sendTestEvent(
  db: Pool,
  destinationId: string,
  correlationId: string,
  access: ConnectorAccess,
): Promise<{ eventId: string; deliveryId: string }> {
  await findWebhook(db, destinationId, access);
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
      connectorId: TEST_EVENT_CONNECTOR_ID,
      trigger: TEST_TRIGGER,
      dataJson: JSON.stringify(data),
      correlationId,
    });
    await requeueEventDeliveries(
      client,
      [{ id: deliveryId, eventId, destinationId, connectorId: TEST_EVENT_CONNECTOR_ID }],
      access,
    );
  });
  return { eventId, deliveryId };
}
