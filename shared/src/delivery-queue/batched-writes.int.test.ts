import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../db/pool.ts";
import { newId } from "../ids.ts";
import type { HubEvent } from "../pubsub/event-codec.ts";
import { storeEventsWithDeliveries, type QueuedDelivery } from "./enqueue.ts";
import { insertDestination, openQueueTestDatabase } from "./queue-fixtures.ts";
import { writeAttempts } from "./record-attempts.ts";

// The consumer's and the recorder's multi-row statements against the real schema.
describe("batched writes", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openQueueTestDatabase();
  });

  afterAll(async () => db?.end());

  const event = (connectorId: string, data: unknown): HubEvent => ({
    id: newId("evt"),
    connectorId,
    trigger: "transport.messageReceived",
    data,
    time: new Date().toISOString(),
  });

  /** Routed as the dispatcher routes: to each destination in `routes` that takes the event's Connector. */
  const store = (events: HubEvent[], routes: Array<{ id: string; connectorIds: string[] | null }>) =>
    withTransaction(db, (client) => {
      const deliveries = events.flatMap((e) =>
        routes
          .filter((r) => r.connectorIds === null || r.connectorIds.includes(e.connectorId))
          .map((r): QueuedDelivery => ({ eventId: e.id, destinationId: r.id, connectorId: e.connectorId })),
      );
      return storeEventsWithDeliveries(client, events, deliveries);
    });

  it("stores a batch in arrival order, exactly as sent, and a redelivered batch creates nothing", async () => {
    const [a, b] = [newId("evt"), newId("evt")]; // Connector ids of this test only
    const both = await insertDestination(db);
    const onlyA = await insertDestination(db, { connectorIds: [a] });
    const routes = [
      { id: both, connectorIds: null },
      { id: onlyA, connectorIds: [a] },
    ];
    const first = event(a, { text: 'ä "quoted" \\ back', n: 1 });
    const events = [first, event(b, {}), event(a, { n: 2 }), event(a, { n: 3 }), first]; // first twice

    // A message delivered twice (even in one batch) creates nothing new.
    expect(await store(events, routes)).toBe(7); // 4 distinct events to `both`, 3 of Connector a to `onlyA`
    expect(await store(events, routes)).toBe(0);

    const lane = await db.query<{ event_id: string }>(
      `SELECT event_id FROM deliveries WHERE destination_id = $1 AND connector_id = $2 ORDER BY seq`,
      [onlyA, a],
    );
    expect(lane.rows.map((row) => row.event_id)).toEqual([events[0]?.id, events[2]?.id, events[3]?.id]);
    const stored = await db.query<{ data: string }>(`SELECT data::text AS data FROM events WHERE id = $1`, [
      first.id,
    ]);
    expect(stored.rows[0]?.data).toBe(JSON.stringify(first.data));
    const toBoth = await db.query(`SELECT 1 FROM deliveries WHERE destination_id = $1`, [both]);
    expect(toBoth.rowCount).toBe(4);
  });

  it("records successes in one statement: every attempt gets its row, only lease holders move the delivery", async () => {
    const connector = newId("evt");
    const destination = await insertDestination(db);
    const routes = [{ id: destination, connectorIds: null }];
    await store([event(connector, {}), event(connector, {}), event(connector, {})], routes);
    const ids = (
      await db.query<{ id: string }>(`SELECT id FROM deliveries WHERE destination_id = $1 ORDER BY seq`, [
        destination,
      ])
    ).rows.map((row) => row.id);
    const lease = async (id: string | undefined, owner: string) =>
      (
        await db.query<{ lease_token: string }>(
          `UPDATE deliveries SET lease_owner = $2, lease_token = gen_random_uuid() WHERE id = $1
           RETURNING lease_token`,
          [id, owner],
        )
      ).rows[0]!.lease_token;
    const tokens = [await lease(ids[0], "w1"), await lease(ids[1], "w1"), await lease(ids[2], "w1")];
    // The third was claimed again (by this very process, say) after the first claim's lease ran out.
    await lease(ids[2], "w1");
    await db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, failing_since) VALUES ($1, 3, now())`,
      [destination],
    );

    const attempts = ids.map((deliveryId, i) => ({
      id: newId("att"),
      deliveryId,
      leaseToken: tokens[i]!,
      startedAt: new Date(),
      durationMs: 7,
      outcome: "success",
      statusCode: 200,
      responseHeaders: { "content-type": "text/plain" },
      responseBody: "ok",
      error: null,
      status: "delivered" as const,
      lastError: null,
      nextAttemptAt: null,
      countsForBreaker: true,
    }));
    const written = await writeAttempts(db, attempts, {
      countSuccesses: { windowSeconds: 30, bucketSeconds: 3 },
    });

    expect(ids.map((id) => written.get(id)?.isLeaseHeld)).toEqual([true, true, false]);
    const rows = await db.query<{
      status: string;
      attempt_count: number;
      lease_owner: string | null;
      n: number;
    }>(
      `SELECT d.status, d.attempt_count, d.lease_owner,
              (SELECT count(*)::int FROM delivery_attempts a WHERE a.delivery_id = d.id) AS n
         FROM deliveries d WHERE d.destination_id = $1 ORDER BY d.seq`,
      [destination],
    );
    expect(rows.rows.map((row) => [row.status, row.attempt_count, row.lease_owner, row.n])).toEqual([
      ["delivered", 1, null, 1],
      ["delivered", 1, null, 1],
      ["pending", 1, "w1", 1], // the POST is in the log; the delivery stays with the current claim
    ]);
    const health = await db.query<{ consecutive_failures: number }>(
      `SELECT consecutive_failures FROM destination_health WHERE destination_id = $1`,
      [destination],
    );
    expect(health.rows[0]?.consecutive_failures).toBe(0);

    // Written again (its answer was lost, say): nothing changes, no second row.
    expect(
      (await writeAttempts(db, attempts, { countSuccesses: { windowSeconds: 30, bucketSeconds: 3 } })).size,
    ).toBe(0);
    const again = await db.query<{ attempt_count: number; n: number }>(
      `SELECT d.attempt_count, (SELECT count(*)::int FROM delivery_attempts a WHERE a.delivery_id = d.id) AS n
         FROM deliveries d WHERE d.destination_id = $1 ORDER BY d.seq`,
      [destination],
    );
    expect(again.rows).toStrictEqual(Array(3).fill({ attempt_count: 1, n: 1 }));
  });
});
