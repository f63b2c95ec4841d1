import { newId, storeEventsWithDeliveries, type createPool, type HubEvent } from "@event-hub/shared";
import { BENCH_TRIGGER, BENCH_DATA_BLOB } from "./bench-event.ts";

/**
 * `size` bench events of one Connector, each with a delivery to `destinationId`, stored in one
 * transaction through the queue module (one multi-row insert each, as the dispatcher's consumer
 * stores a batch): due at once.
 */
export async function storeEventBatch(
  db: ReturnType<typeof createPool>,
  batch: { connectorId: string; destinationId: string; size: number },
): Promise<void> {
  const time = new Date().toISOString();
  const events: HubEvent[] = Array.from({ length: batch.size }, (_, seq) => ({
    id: newId("evt"),
    connectorId: batch.connectorId,
    trigger: BENCH_TRIGGER,
    data: { seq, blob: BENCH_DATA_BLOB },
    time,
  }));
  const deliveries = events.map((event) => ({
    eventId: event.id,
    destinationId: batch.destinationId,
    connectorId: batch.connectorId,
  }));
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    await storeEventsWithDeliveries(client, events, deliveries);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
