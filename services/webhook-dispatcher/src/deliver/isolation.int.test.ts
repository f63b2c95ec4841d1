import { DELIVERIES_DUE_CHANNEL } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHookReceivers,
  insertBacklog,
  insertDestination,
  openTestDatabase,
  startTestDispatcher,
  type TestDispatcher,
} from "../../test/harness.ts";
import type { OperatorEvent } from "../operator-events.ts";

// Policy from the destination row, isolation between destinations, breaker and auto-disable,
// against real Postgres, the emulator and local HTTP receivers.
describe("delivery isolation", () => {
  let db: Pool;
  let dispatcher: TestDispatcher;
  const receivers = createHookReceivers();
  const operatorEvents: OperatorEvent[] = [];
  const receiver = receivers.start;
  const query = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
    (await db.query<T>(text, values)).rows;

  beforeAll(async () => {
    db = await openTestDatabase();
    dispatcher = await startTestDispatcher(db, {
      // One probe at a time: the failed probe that disables a destination is then its only request in
      // flight, so every delivery is parked (others in flight would record their retries, pending).
      breaker: { minRequests: 3, halfOpenProbes: 1, cooldownMs: 300, autoDisableAfterMs: 2_000 },
      operations: { publish: async (event) => void operatorEvents.push(event) },
    });
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receivers.closeAll();
    await db?.end();
  });

  it("keeps delivering to a healthy destination while a dead one has a large backlog", async () => {
    const dead = await receiver();
    dead.answer(() => ({ status: 503, delayMs: 200 }));
    const healthy = await receiver();
    const connectorId = "iso-connector";
    const deadId = await insertDestination(db, {
      config: { url: dead.url },
      connectorIds: [connectorId],
      retryScheduleSeconds: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      maxInFlight: 4,
      timeoutMs: 1000,
    });
    const healthyId = await insertDestination(db, {
      config: { url: healthy.url },
      connectorIds: [connectorId],
    });
    await insertBacklog(db, deadId, 2000);

    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++)
      ids.push(await dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data: { i } }));
    await healthy.waitUntil((r) => r.length >= 100);
    const healthyMs = Date.now() - started;

    expect(new Set(healthy.received.map((r) => r.headers["webhook-id"]))).toStrictEqual(new Set(ids));
    // The dead endpoint never had more than its in-flight limit open, and its breaker stopped the rest.
    expect(dead.maxConcurrent()).toBeLessThanOrEqual(4);
    const [health] = await query<{ consecutive_failures: number }>(
      "SELECT consecutive_failures FROM destination_health WHERE destination_id = $1",
      [deadId],
    );
    expect(health?.consecutive_failures).toBeGreaterThanOrEqual(3);
    const [{ attempts } = { attempts: 0 }] = await query<{ attempts: number }>(
      `SELECT count(*)::int AS attempts FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.destination_id = $1`,
      [deadId],
    );
    expect(attempts).toBeLessThan(2000 / 4);
    console.log(
      `isolation: 100 events reached the healthy destination in ${healthyMs} ms while the dead one (backlog 2100) got ${dead.received.length} requests`,
    );
    expect(healthyId).toBeDefined();
  });

  it("keeps delivering to a healthy destination while another's requests hang until their timeout", async () => {
    const hanging = await receiver();
    hanging.answer(() => ({ status: 200, delayMs: 60_000 })); // accepts, never answers in time
    const healthy = await receiver();
    const connectorId = "hang-connector";
    const hangingId = await insertDestination(db, {
      config: { url: hanging.url },
      connectorIds: [connectorId],
      maxInFlight: 10,
      timeoutMs: 50_000,
    });
    await insertDestination(db, { config: { url: healthy.url }, connectorIds: [connectorId] });
    await insertBacklog(db, hangingId, 1000, "hang-backlog");

    const ids: string[] = [];
    for (let i = 0; i < 100; i++)
      ids.push(await dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data: { i } }));
    await healthy.waitUntil((r) => r.length >= 100);

    expect(new Set(healthy.received.map((r) => r.headers["webhook-id"]))).toStrictEqual(new Set(ids));
    // The hanging destination held its in-flight limit's worth of requests open the whole time, and
    // not one of them has ended yet: the healthy deliveries never waited for those timeouts.
    expect(hanging.maxConcurrent()).toBeGreaterThan(0);
    expect(hanging.maxConcurrent()).toBeLessThanOrEqual(10);
    const [{ attempts } = { attempts: -1 }] = await query<{ attempts: number }>(
      `SELECT count(*)::int AS attempts FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.destination_id = $1`,
      [hangingId],
    );
    expect(attempts).toBe(0);
    await query("UPDATE destinations SET enabled = false WHERE id = $1", [hangingId]);
    await hanging.close(); // ends the open requests; the destination is out of the way of later tests
  });

  it("disables a destination that keeps failing, parks its deliveries and tells operators", async () => {
    const failing = await receiver();
    failing.answer(() => ({ status: 500 }));
    const destinationId = await insertDestination(db, {
      config: { url: failing.url },
      connectorIds: ["disable-connector"],
      retryScheduleSeconds: Array.from({ length: 50 }, () => 0),
    });
    await insertBacklog(db, destinationId, 20, "disable-connector");
    await expect
      .poll(async () => (await query("SELECT enabled FROM destinations WHERE id = $1", [destinationId]))[0], {
        timeout: 20_000,
      })
      .toStrictEqual({ enabled: false });
    const statuses = await query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY status",
      [destinationId],
    );
    expect(statuses.find((s) => s.status === "pending")).toBeUndefined();
    expect(statuses.find((s) => s.status === "parked")?.n).toBeGreaterThan(0);
    expect(operatorEvents.filter((e) => e.destinationId === destinationId)).toMatchObject([
      { type: "destination.disabled", reason: expect.stringMatching(/failing continuously/) },
    ]);
  });

  it("honours the in-flight limit and the rate limit without spending attempts", async () => {
    const slow = await receiver();
    slow.answer(() => ({ status: 200, delayMs: 150 }));
    const limitedId = await insertDestination(db, {
      config: { url: slow.url },
      connectorIds: ["limit"],
      maxInFlight: 3,
    });
    const rated = await receiver();
    const ratedId = await insertDestination(db, {
      config: { url: rated.url },
      connectorIds: ["rate"],
      rateLimitPerSecond: 5,
    });
    const started = Date.now();
    await Promise.all([insertBacklog(db, limitedId, 20, "limit"), insertBacklog(db, ratedId, 15, "rate")]);
    await db.query(`NOTIFY ${DELIVERIES_DUE_CHANNEL}`);
    await Promise.all([slow.waitUntil((r) => r.length >= 20), rated.waitUntil((r) => r.length >= 15)]);
    const ratedMs = Date.now() - started;
    expect(slow.maxConcurrent()).toBeLessThanOrEqual(3);
    // 15 at 5/s with a burst of 5: at least two seconds, whatever the machine's speed.
    expect(ratedMs).toBeGreaterThanOrEqual(1900);
    // The receiver answers before the attempt is recorded: wait for the records.
    await expect
      .poll(() =>
        query("SELECT DISTINCT status, attempt_count FROM deliveries WHERE destination_id = ANY ($1)", [
          [limitedId, ratedId],
        ]),
      )
      .toStrictEqual([{ status: "delivered", attempt_count: 1 }]);
  });

  it("retries a 500 three times and delivers on the 4th attempt with the same webhook-id, all logged", async () => {
    const flaky = await receiver();
    let calls = 0;
    flaky.answer(() => ({ status: ++calls <= 3 ? 500 : 200 }));
    const destinationId = await insertDestination(db, {
      config: { url: flaky.url },
      connectorIds: ["flaky"],
      retryScheduleSeconds: [0, 0, 0, 0],
    });
    const eventId = await dispatcher.publish({ connectorId: "flaky", trigger: "transport.messageReceived" });
    await flaky.waitUntil((r) => r.some((x) => x.status === 200));
    expect(new Set(flaky.received.map((r) => r.headers["webhook-id"]))).toStrictEqual(new Set([eventId]));
    await expect
      .poll(() =>
        query(
          `SELECT a.attempt_number, a.outcome, a.status_code FROM delivery_attempts a
             JOIN deliveries d ON d.id = a.delivery_id WHERE d.destination_id = $1 ORDER BY a.attempt_number`,
          [destinationId],
        ),
      )
      .toStrictEqual([
        { attempt_number: 1, outcome: "http_error", status_code: 500 },
        { attempt_number: 2, outcome: "http_error", status_code: 500 },
        { attempt_number: 3, outcome: "http_error", status_code: 500 },
        { attempt_number: 4, outcome: "success", status_code: 200 },
      ]);
  });

  it("waits at least as long as Retry-After asks, and a 410 disables the destination", async () => {
    const busy = await receiver();
    let calls = 0;
    busy.answer(() => (++calls === 1 ? { status: 429, headers: { "retry-after": "2" } } : { status: 410 }));
    const destinationId = await insertDestination(db, {
      config: { url: busy.url },
      connectorIds: ["busy"],
      retryScheduleSeconds: [0, 0],
    });
    // Deliveries waiting for a retry far away: the 410 parks them too.
    await insertBacklog(db, destinationId, 4, "busy");
    await db.query(
      "UPDATE deliveries SET attempt_count = 1, next_attempt_at = now() + interval '1 hour' WHERE destination_id = $1",
      [destinationId],
    );
    const eventId = await dispatcher.publish({ connectorId: "busy", trigger: "transport.messageReceived" });
    await expect
      .poll(
        async () =>
          (
            await query("SELECT enabled, disabled_reason FROM destinations WHERE id = $1", [destinationId])
          )[0],
        {
          timeout: 15_000,
        },
      )
      .toStrictEqual({ enabled: false, disabled_reason: "receiver answered 410 Gone" });
    const attempts = await query<{ started_at: Date; next_attempt_at: Date | null }>(
      `SELECT a.started_at, a.next_attempt_at FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.event_id = $1 ORDER BY a.attempt_number`,
      [eventId],
    );
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts;
    expect(second!.started_at.getTime() - first!.started_at.getTime()).toBeGreaterThanOrEqual(1900);
    expect(
      await query(
        "SELECT status, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY status",
        [destinationId],
      ),
    ).toStrictEqual([{ status: "parked", n: 5 }]);
    expect(operatorEvents.filter((e) => e.destinationId === destinationId)).toMatchObject([
      { type: "destination.disabled", reason: "receiver answered 410 Gone" },
    ]);
  });
});
