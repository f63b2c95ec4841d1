import { type HoldReason } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createHookReceivers,
  insertBacklog,
  insertDestination,
  openTestDatabase,
  startTestDeliveryLoop,
} from "../../test/harness.ts";

// Claims by several workers over one database (as several replicas would), and leases of a worker
// that died, against real Postgres and a local receiver.
describe("claiming across workers", () => {
  let db: Pool;
  const receivers = createHookReceivers();
  const stops: (() => Promise<void>)[] = [];

  /** A delivery loop of its own (own lease owner, sender and pool use); counts its attempts. */
  const startWorker = (owner: string) => {
    const worker = { attempts: 0, holds: [] as HoldReason[] };
    const loop = startTestDeliveryLoop(db, {
      owner,
      metrics: {
        attempt: () => void (worker.attempts += 1),
        deliveryFailed: () => {},
        held: (reason) => void worker.holds.push(reason),
        breakerTransition: () => {},
      },
    });
    stops.push(loop.stop);
    return worker;
  };
  const statuses = async (destinationId: string) =>
    (
      await db.query<{ status: string; attempt_count: number; n: number }>(
        `SELECT status, attempt_count, count(*)::int AS n FROM deliveries
          WHERE destination_id = $1 GROUP BY status, attempt_count ORDER BY status, attempt_count`,
        [destinationId],
      )
    ).rows;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  afterAll(async () => {
    await receivers.closeAll();
    await db?.end();
  });

  it("two workers never send a delivery twice and keep the destination's in-flight limit together", async () => {
    const receiver = await receivers.start();
    receiver.answer(() => ({ status: 200, delayMs: 10 }));
    const destinationId = await insertDestination(db, { config: { url: receiver.url }, maxInFlight: 4 });
    await insertBacklog(db, destinationId, 200, "two-workers");
    const first = startWorker("worker-a");
    const second = startWorker("worker-b");

    await expect
      .poll(() => statuses(destinationId), { timeout: 60_000 })
      .toStrictEqual([{ status: "delivered", attempt_count: 1, n: 200 }]);
    const ids = receiver.received.map((r) => String(r.headers["webhook-id"]));
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    // Each worker may start 10; the destination allows 4 across both.
    expect(receiver.maxConcurrent()).toBeLessThanOrEqual(4);
    expect(first.attempts + second.attempts).toBe(200);
    // Which worker wins each claim is up to the scheduler; usually both send some.
    console.log(`claims: worker-a sent ${first.attempts}, worker-b ${second.attempts} of 200`);
  });

  it("counts held destinations by reason (breaker open, in-flight limit, rate limit), spending no attempt", async () => {
    const receiver = await receivers.start();
    receiver.answer((request) => ({ status: 200, delayMs: request.headers["x-slow"] ? 300 : 0 }));
    const openId = await insertDestination(db, { config: { url: receiver.url } });
    await db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, breaker_open_until)
       VALUES ($1, 5, now() + interval '1 hour')`,
      [openId],
    );
    const limitedId = await insertDestination(db, {
      config: { url: receiver.url, headers: { "x-slow": "1" } },
      maxInFlight: 1,
    });
    const ratedId = await insertDestination(db, { config: { url: receiver.url }, rateLimitPerSecond: 0.5 });
    await insertBacklog(db, openId, 3, "held-open");
    await insertBacklog(db, limitedId, 3, "held-limited");
    await insertBacklog(db, ratedId, 2, "held-rated");
    const worker = startWorker("holder");

    // One at a time (300 ms each) and one every 2 s: the loop, polling every 50 ms, finds them held.
    for (const id of [limitedId, ratedId])
      await expect
        .poll(() => statuses(id), { timeout: 30_000 })
        .toContainEqual(expect.objectContaining({ status: "delivered", attempt_count: 1 }));
    await expect
      .poll(async () => [...(await statuses(limitedId)), ...(await statuses(ratedId))], { timeout: 30_000 })
      .toStrictEqual([
        { status: "delivered", attempt_count: 1, n: 3 },
        { status: "delivered", attempt_count: 1, n: 2 },
      ]);
    expect(new Set(worker.holds)).toStrictEqual(new Set(["circuit_open", "in_flight_limit", "rate_limited"]));
    expect(await statuses(openId)).toStrictEqual([{ status: "pending", attempt_count: 0, n: 3 }]);
    expect(worker.attempts).toBe(5);
  });

  it("delivers what a dead worker leased once its lease has expired, and leaves a live lease alone", async () => {
    const receiver = await receivers.start();
    const destinationId = await insertDestination(db, { config: { url: receiver.url } });
    await insertBacklog(db, destinationId, 2, "dead-worker");
    const [expired, live] = (
      await db.query<{ id: string; event_id: string }>(
        "SELECT id, event_id FROM deliveries WHERE destination_id = $1 ORDER BY id",
        [destinationId],
      )
    ).rows;
    // The lease is the owner plus next_attempt_at at the lease's end (store/deliveries.ts).
    await db.query(
      `UPDATE deliveries SET lease_owner = 'dead-worker',
              next_attempt_at = CASE WHEN id = $1 THEN now() - interval '1 second' ELSE now() + interval '1 hour' END
        WHERE destination_id = $2`,
      [expired!.id, destinationId],
    );
    startWorker("survivor");

    await receiver.waitUntil((r) => r.length >= 1);
    await expect
      .poll(
        async () =>
          (
            await db.query("SELECT status, attempt_count, lease_owner FROM deliveries WHERE id = $1", [
              expired!.id,
            ])
          ).rows,
      )
      .toStrictEqual([{ status: "delivered", attempt_count: 1, lease_owner: null }]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toStrictEqual([expired!.event_id]);
    expect(
      (await db.query("SELECT status, lease_owner FROM deliveries WHERE id = $1", [live!.id])).rows,
    ).toStrictEqual([{ status: "pending", lease_owner: "dead-worker" }]);
  });
});
