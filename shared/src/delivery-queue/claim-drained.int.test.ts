import type { Pool } from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withTransaction } from "../db/pool.ts";
import { newId } from "../ids.ts";
import { claimDeliveries } from "./claim.ts";
import { storeEventsWithDeliveries } from "./enqueue.ts";
import { insertDestination, openQueueTestDatabase } from "./queue-fixtures.ts";

// `isDrained` lets the delivery loop skip the claim a finished delivery would otherwise start: it
// must be false whenever a finish (or more slots) could make more claimable.
describe("a drained claim", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openQueueTestDatabase();
  });

  beforeEach(async () => {
    await db.query(`DELETE FROM destinations`); // their deliveries go with them
  });

  afterAll(async () => db?.end());

  const enqueue = async (destinationId: string, count: number, connectorId = "con_a") => {
    const events = Array.from({ length: count }, () => ({
      id: newId("evt"),
      connectorId,
      trigger: "a.b",
      data: {},
      time: new Date().toISOString(),
    }));
    const deliveries = events.map((e) => ({ eventId: e.id, destinationId, connectorId }));
    await withTransaction(db, (client) => storeEventsWithDeliveries(client, events, deliveries));
  };
  const claim = (free: number) => claimDeliveries(db, { owner: "test", free, leaseSeconds: 30 });

  it("is drained when it took all the due work it found, and when there was none", async () => {
    expect((await claim(10)).isDrained).toBe(true);
    const destination = await insertDestination(db, { maxInFlight: 10 });
    await enqueue(destination, 3);
    const all = await claim(10);
    expect(all.deliveries).toHaveLength(3);
    expect(all.isDrained).toBe(true);
  });

  it("is not drained when it ran out of slots or a destination's allowance, or a destination was held", async () => {
    const destination = await insertDestination(db, { maxInFlight: 10 });
    await enqueue(destination, 20);
    const outOfSlots = await claim(5);
    expect(outOfSlots.deliveries).toHaveLength(5);
    expect(outOfSlots.isDrained).toBe(false);
    const upToLimit = await claim(50);
    expect(upToLimit.deliveries).toHaveLength(5); // 10 in flight now
    expect(upToLimit.isDrained).toBe(false);
    const held = await claim(50);
    expect(held.deliveries).toHaveLength(0);
    expect(held.holds).toStrictEqual(["in_flight_limit"]); // a finish frees a slot
    expect(held.isDrained).toBe(false);
  });

  it("is not drained while an ordered destination has due work: a finished lane head lets the next go", async () => {
    const destination = await insertDestination(db, { ordered: true, maxInFlight: 10 });
    await enqueue(destination, 3, "con_lane");
    const head = await claim(10);
    expect(head.deliveries).toHaveLength(1);
    expect(head.isDrained).toBe(false);
  });
});
