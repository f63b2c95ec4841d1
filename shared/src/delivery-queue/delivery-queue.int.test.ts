import pg, { type Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../db/pool.ts";
import { newId } from "../ids.ts";
import { DELIVERIES_DUE_CHANNEL } from "./channels.ts";
import { claimBatches } from "./claim-batches.ts";
import { claimDeliveries } from "./claim.ts";
import { disableDestination } from "./destination-health.ts";
import { storeEventsWithDeliveries } from "./enqueue.ts";
import { explainWait } from "./explain-wait.ts";
import { releaseDelivery, renewLeases } from "./lease.ts";
import { insertDestination, openQueueTestDatabase } from "./queue-fixtures.ts";
import { requeueDelivery, requeueEventDeliveries } from "./requeue.ts";
import { findDeliveryWaitFacts } from "./wait-facts.ts";

// The queue's contract against the real schema: claim with allowance, leases and their fencing,
// requeues within a Connector scope, batches, disabling. Every service goes through these.
describe("delivery queue", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openQueueTestDatabase();
  });

  afterAll(async () => db?.end());

  /** `count` events of `connectorId` (trigger `trigger`), each with a delivery to `destinationId`, due now. */
  const enqueue = async (destinationId: string, count: number, connectorId = "con_a", trigger = "a.b") => {
    const events = Array.from({ length: count }, () => ({
      id: newId("evt"),
      connectorId,
      trigger,
      data: {},
      time: new Date().toISOString(),
    }));
    const deliveries = events.map((e) => ({ eventId: e.id, destinationId, connectorId }));
    await withTransaction(db, (client) => storeEventsWithDeliveries(client, events, deliveries));
    const rows = await db.query<{ id: string }>(
      `SELECT d.id FROM deliveries d WHERE d.event_id = ANY ($1) ORDER BY d.seq`,
      [events.map((e) => e.id)],
    );
    return rows.rows.map((row) => row.id);
  };
  const claimFor = async (destinationId: string, free = 10) => {
    const claim = await claimDeliveries(db, { owner: "test", free, leaseSeconds: 30 });
    return {
      ids: claim.deliveries.filter((d) => d.destinationId === destinationId),
      holds: claim.holds,
    };
  };
  const breaker = (destinationId: string, until: string) =>
    db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, breaker_open_until)
       VALUES ($1, 5, ${until})`,
      [destinationId],
    );
  const waitReason = async (deliveryId: string | undefined) => {
    const facts = await findDeliveryWaitFacts(db, deliveryId ?? "", null);
    return facts && explainWait(facts)?.reason;
  };

  it("claims within the in-flight limit and says so when asked why the rest waits", async () => {
    const destination = await insertDestination(db, { maxInFlight: 2 });
    const ids = await enqueue(destination, 4);
    const first = await claimFor(destination);
    expect(first.ids).toHaveLength(2);
    expect(new Set(first.ids.map((d) => d.leaseToken)).size).toBe(2); // a token of its own each
    const second = await claimFor(destination);
    expect(second.ids).toHaveLength(0);
    expect(second.holds).toContain("in_flight_limit");
    const waiting = ids.find((id) => !first.ids.some((d) => d.id === id));
    expect(await waitReason(waiting)).toBe("in_flight_limit");
  });

  it("sends nothing while the breaker is open and one probe once it cooled down; the gateway's answer agrees", async () => {
    const open = await insertDestination(db);
    await enqueue(open, 2);
    await breaker(open, "now() + interval '1 hour'");
    const held = await claimFor(open);
    expect(held.ids).toHaveLength(0);
    expect(held.holds).toContain("circuit_open");

    const probing = await insertDestination(db);
    const ids = await enqueue(probing, 3);
    await breaker(probing, "now() - interval '1 second'");
    expect((await claimFor(probing)).ids).toHaveLength(1);
    const next = await claimFor(probing);
    expect(next.ids).toHaveLength(0);
    expect(next.holds).toContain("circuit_open");
    const [, waiting] = ids;
    expect(await waitReason(waiting)).toBe("circuit_open");
  });

  it("claims only the head of each Connector's lane of an ordered destination", async () => {
    const ordered = await insertDestination(db, { ordered: true });
    const laneA = await enqueue(ordered, 3, "con_lane_a");
    const laneB = await enqueue(ordered, 2, "con_lane_b");
    const claimed = (await claimFor(ordered)).ids.map((d) => d.id);
    expect(claimed.sort()).toStrictEqual([laneA[0], laneB[0]].sort());
    expect(await waitReason(laneA[1])).toBe("ordered_behind");
  });

  it("renews and releases a lease only under its token", async () => {
    const destination = await insertDestination(db);
    await enqueue(destination, 1);
    const [delivery] = (await claimFor(destination)).ids;
    if (!delivery) throw new Error("nothing claimed");
    const stale = { id: delivery.id, leaseToken: "00000000-0000-4000-8000-000000000000" };
    expect(await renewLeases(db, [stale], 60)).toStrictEqual(new Set());
    expect(await renewLeases(db, [delivery], 60)).toStrictEqual(new Set([delivery.id]));
    await releaseDelivery(db, stale);
    expect(await waitReason(delivery.id)).toBe("attempt_in_progress");
    await releaseDelivery(db, delivery);
    expect(await waitReason(delivery.id)).toBe("queued");
  });

  it("requeues only within the caller's Connector scope, and wakes the dispatcher", async () => {
    const destination = await insertDestination(db, { connectorIds: ["con_scope"] });
    const [id] = await enqueue(destination, 1, "con_scope");
    await db.query(`UPDATE deliveries SET status = 'failed', finished_at = now() WHERE id = $1`, [id]);
    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const woken: string[] = [];
    listener.on("notification", (n) => woken.push(n.channel));
    await listener.query(`LISTEN ${DELIVERIES_DUE_CHANNEL}`);
    try {
      expect(await requeueDelivery(db, id ?? "", ["con_other"])).toBeUndefined();
      expect(await requeueDelivery(db, id ?? "", ["con_scope"])).toMatchObject({ id, status: "pending" });
      expect(await requeueDelivery(db, id ?? "", null)).toBeUndefined(); // still pending
      const event = await db.query<{ event_id: string }>(`SELECT event_id FROM deliveries WHERE id = $1`, [
        id,
      ]);
      const eventId = event.rows[0]?.event_id ?? "";
      const other = await insertDestination(db);
      const again = { eventId, connectorId: "con_scope" };
      const beyond = [{ id: newId("dlv"), destinationId: other, ...again }];
      expect(await requeueEventDeliveries(db, beyond, ["con_scope"])).toStrictEqual([]); // wider reach: hidden
      expect(await requeueEventDeliveries(db, beyond, null)).toStrictEqual([beyond[0]?.id]);
      await expect.poll(() => woken.length).toBeGreaterThanOrEqual(2);
    } finally {
      await listener.end();
    }
  });

  it("claims a batch destination's due deliveries as one claim, parking what it cannot carry", async () => {
    const batch = await insertDestination(db, { type: "batch" });
    const carried = await enqueue(batch, 3, "con_batch", "transport.messageReceived");
    const [foreign] = await enqueue(batch, 1, "con_batch", "some.other");
    const options = { owner: "test", leaseSeconds: 30, maxBatches: 10, maxBatchSize: 2 };
    const { batches: claims } = await claimBatches(db, {
      ...options,
      batchedTriggers: ["transport.messageReceived"],
    });
    const mine = claims.filter((c) => c.destinationId === batch);
    expect(mine.map((c) => c.deliveries.map((d) => d.id))).toStrictEqual([carried.slice(0, 2)]);
    const parked = await db.query(`SELECT status, last_error FROM deliveries WHERE id = $1`, [foreign]);
    expect(parked.rows[0]).toMatchObject({
      status: "parked",
      last_error: expect.stringContaining("carry only"),
    });
    // One batch in flight per destination (and its interval has not passed).
    const { batches: again } = await claimBatches(db, {
      ...options,
      batchedTriggers: ["transport.messageReceived"],
    });
    expect(again.filter((c) => c.destinationId === batch)).toStrictEqual([]);
  });

  it("disabling parks what waits and leaves a delivery under a live lease to its worker", async () => {
    const destination = await insertDestination(db, { maxInFlight: 1 });
    const ids = await enqueue(destination, 2);
    const [leased] = (await claimFor(destination)).ids;
    expect(await withTransaction(db, (client) => disableDestination(client, destination, "test"))).toBe(true);
    expect(await withTransaction(db, (client) => disableDestination(client, destination, "test"))).toBe(
      false,
    );
    const rows = await db.query<{ id: string; status: string }>(
      `SELECT id, status FROM deliveries WHERE destination_id = $1`,
      [destination],
    );
    const statusOf = new Map(rows.rows.map((row) => [row.id, row.status]));
    expect(statusOf.get(leased?.id ?? "")).toBe("pending");
    expect(statusOf.get(ids.find((id) => id !== leased?.id) ?? "")).toBe("parked");
  });
});
