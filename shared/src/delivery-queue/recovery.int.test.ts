import pg, { type Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../db/pool.ts";
import { newId } from "../ids.ts";
import type { HubEvent } from "../pubsub/event-codec.ts";
import { DELIVERIES_DUE_CHANNEL } from "./channels.ts";
import { claimDeliveries } from "./claim.ts";
import { createMissingDeliveries } from "./create-missing-deliveries.ts";
import { disableDestination } from "./destination-health.ts";
import { insertEvent, storeEventsWithDeliveries } from "./enqueue.ts";
import { insertDestination, openQueueTestDatabase } from "./queue-fixtures.ts";
import { requeueStoppedDeliveries, unparkDeliveries, type RecoverWindow } from "./requeue.ts";
import { TEST_EVENT_CONNECTOR_ID } from "./visibility.ts";

// Recovery after a destination was disabled (a 410): un-park on enable, and one recover that re-queues
// failed and parked deliveries and creates the ones the consumer skipped — within the caller's scope,
// in event order for an ordered destination.
describe("delivery queue recovery", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openQueueTestDatabase();
  });

  afterAll(async () => db?.end());

  const eventOf = (connectorId: string, trigger: string): HubEvent => ({
    id: newId("evt"),
    connectorId,
    trigger,
    data: {},
    time: new Date().toISOString(),
  });
  /** Stores events one batch at a time (as the consumer does), with a delivery to `destinationId` or none. */
  const store = async (events: HubEvent[], destinationId?: string) => {
    const deliveries = destinationId
      ? events.map((e) => ({ eventId: e.id, destinationId, connectorId: e.connectorId }))
      : [];
    await withTransaction(db, (client) => storeEventsWithDeliveries(client, events, deliveries));
  };
  const deliveriesOf = async (destinationId: string) =>
    (
      await db.query<{ event_id: string; status: string }>(
        `SELECT event_id, status FROM deliveries WHERE destination_id = $1 ORDER BY seq`,
        [destinationId],
      )
    ).rows;
  const recover = (window: RecoverWindow, access: readonly string[] | null) =>
    withTransaction(db, async (client) => {
      const requeued = await requeueStoppedDeliveries(client, window, access);
      const created = await createMissingDeliveries(client, window, access);
      return { ...requeued, created };
    });

  it("enable un-parks only within the caller's scope", async () => {
    const destination = await insertDestination(db, { connectorIds: ["con_u"] });
    await store([eventOf("con_u", "a.b"), eventOf("con_u", "a.b")], destination);
    await withTransaction(db, (client) => disableDestination(client, destination, "410"));
    expect(await unparkDeliveries(db, destination, ["con_other"])).toBe(0);
    expect(await unparkDeliveries(db, destination, ["con_u"])).toBe(2);
    expect(await unparkDeliveries(db, destination, null)).toBe(0);
    expect((await deliveriesOf(destination)).map((d) => d.status)).toStrictEqual(["pending", "pending"]);
  });

  it("one recover brings back every event of a disabled ordered destination, once, in event order", async () => {
    const since = new Date(Date.now() - 1000);
    const destination = await insertDestination(db, {
      ordered: true,
      connectorIds: ["con_r"],
      triggers: ["transport.*", "consumption.**"],
    });
    const before = [
      eventOf("con_r", "transport.messageReceived"),
      eventOf("con_r", "transport.messageReceived"),
    ];
    const failedEvent = eventOf("con_r", "consumption.attributeCreated");
    await store([failedEvent], destination);
    await db.query(`UPDATE deliveries SET status = 'failed', finished_at = now() WHERE event_id = $1`, [
      failedEvent.id,
    ]);
    await store(before, destination);
    await withTransaction(db, (client) => disableDestination(client, destination, "receiver answered 410"));

    // While disabled the consumer routes nowhere: these events have no delivery to it.
    const missed = [
      eventOf("con_r", "transport.relationshipChanged"),
      eventOf("con_r", "consumption"),
      eventOf("con_r", "consumption.a.b"),
    ];
    const notForIt = [
      eventOf("con_r", "transport"), // `*` is exactly one segment
      eventOf("con_r", "tokens.created"),
      eventOf("con_other", "transport.messageReceived"), // beyond the destination's Connector scope
    ];
    for (const event of [missed[0], notForIt[0], missed[1], notForIt[1], notForIt[2], missed[2]]) {
      if (event) await store([event]);
    }
    await insertEvent(db, {
      id: newId("evt"),
      connectorId: TEST_EVENT_CONNECTOR_ID,
      trigger: "transport.test",
      dataJson: "{}",
      correlationId: null,
    });

    const window = { destinationId: destination, since, until: new Date(Date.now() + 1000), limit: 100 };
    expect(await recover(window, ["con_other"])).toStrictEqual({ failed: 0, parked: 0, created: 0 });
    expect(await recover(window, ["con_r", "con_other"])).toStrictEqual({ failed: 1, parked: 2, created: 3 });
    expect(await recover(window, null)).toStrictEqual({ failed: 0, parked: 0, created: 0 });
    expect(await unparkDeliveries(db, destination, null)).toBe(0);

    const rows = await deliveriesOf(destination);
    expect(rows.map((d) => d.event_id)).toStrictEqual([failedEvent, ...before, ...missed].map((e) => e.id));
    expect(rows.every((d) => d.status === "pending")).toBe(true);

    // Disabled: nothing is claimed yet; enabled, the lane's head goes first.
    const claim = () => claimDeliveries(db, { owner: "test", free: 10, leaseSeconds: 30 });
    expect((await claim()).deliveries.filter((d) => d.destinationId === destination)).toStrictEqual([]);
    await db.query(`UPDATE destinations SET enabled = true WHERE id = $1`, [destination]);
    const claimed = (await claim()).deliveries.filter((d) => d.destinationId === destination);
    expect(claimed.map((d) => d.eventId)).toStrictEqual([failedEvent.id]);
  });

  it("recover stops at the limit and wakes the dispatcher", async () => {
    const destination = await insertDestination(db);
    const since = new Date(Date.now() - 1000);
    const events = [eventOf("con_l", "a.b"), eventOf("con_l", "a.c"), eventOf("con_l", "a.d")];
    await store(events.slice(0, 1), destination);
    await withTransaction(db, (client) => disableDestination(client, destination, "410"));
    await store(events.slice(1));
    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const woken: string[] = [];
    listener.on("notification", (n) => woken.push(n.channel));
    await listener.query(`LISTEN ${DELIVERIES_DUE_CHANNEL}`);
    try {
      const window = { destinationId: destination, since, until: new Date(Date.now() + 1000), limit: 1 };
      expect(await recover(window, null)).toStrictEqual({ failed: 0, parked: 1, created: 1 });
      expect(await recover(window, null)).toStrictEqual({ failed: 0, parked: 0, created: 1 });
      expect(await recover(window, null)).toStrictEqual({ failed: 0, parked: 0, created: 0 });
      // One notification per transaction that queued work (Postgres folds repeats within one).
      await expect.poll(() => woken.length).toBe(2);
    } finally {
      await listener.end();
    }
  });
});
