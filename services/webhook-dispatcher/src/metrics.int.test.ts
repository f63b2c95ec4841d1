import { createMetricsRegistry } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHookReceivers,
  insertBacklog,
  insertDestination,
  logger,
  startTestDeliveryLoop,
} from "../test/harness.ts";
import { openOwnTestDatabase } from "../test/own-test-pool.ts";
import { waitForCondition } from "../test/wait-for-condition.ts";
import { buildApp } from "./app.ts";
import { createDispatchMetrics } from "./metrics.ts";

// /metrics of the dispatcher app with the real delivery loop on a database of its own (the gauges
// read the whole database, so parallel tests must not add to it).
describe("/metrics", () => {
  let own: Awaited<ReturnType<typeof openOwnTestDatabase>>;
  let db: Pool;
  const receivers = createHookReceivers();

  beforeAll(async () => {
    own = await openOwnTestDatabase("metrics");
    db = own.db;
  });

  afterAll(async () => {
    await receivers.closeAll();
    await own?.close();
  });

  it("exposes latency, attempts by outcome, failures, due backlog and its age, breaker states and holds", async () => {
    const healthy = await receivers.start();
    const refusing = await receivers.start();
    refusing.answer(() => ({ status: 400 }));
    const healthyId = await insertDestination(db, { config: { url: healthy.url } });
    const refusingId = await insertDestination(db, {
      config: { url: refusing.url },
      retryClientErrors: false,
    });
    // A destination whose breaker is open, with a backlog due for 30 s that it may not send.
    const blockedId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/never" } });
    await db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, breaker_open_until)
       VALUES ($1, 5, now() + interval '1 hour')`,
      [blockedId],
    );
    // One cooled down after 7 failures in a row, nothing due: its next delivery would be the probe.
    const probingId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/probe" } });
    await db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, breaker_open_until)
       VALUES ($1, 7, now() - interval '1 minute')`,
      [probingId],
    );
    await insertBacklog(db, healthyId, 3, "metrics-healthy");
    await insertBacklog(db, refusingId, 1, "metrics-refusing");
    await insertBacklog(db, blockedId, 4, "metrics-blocked");
    await db.query(
      `UPDATE deliveries SET next_attempt_at = now() - interval '30 seconds' WHERE destination_id = $1`,
      [blockedId],
    );

    const registry = createMetricsRegistry("webhook-dispatcher");
    const loop = startTestDeliveryLoop(db, {
      owner: "metrics-test",
      metrics: createDispatchMetrics(registry, db),
      breaker: { cooldownMs: 60_000 },
    });
    const finished = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries WHERE status <> 'pending' AND destination_id = ANY ($1)`,
          [[healthyId, refusingId]],
        )
      ).rows[0]?.n ?? 0;
    try {
      await waitForCondition(async () => (await finished()) === 4);
    } finally {
      await loop.stop();
    }

    const app = buildApp({
      logger,
      metrics: registry,
      readiness: {},
      isShuttingDown: () => false,
      httpTimeouts: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 },
    });
    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    await app.close();
    const value = (name: string, labels = "") => {
      const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    expect(value("hub_dispatch_event_to_first_attempt_seconds_count")).toBe(4);
    expect(value("hub_dispatch_event_to_first_attempt_seconds_bucket", 'le="+Inf"')).toBe(4);
    expect(value("hub_dispatch_attempts_total", 'outcome="success"')).toBe(3);
    expect(value("hub_dispatch_attempts_total", 'outcome="http_error"')).toBe(1);
    expect(value("hub_dispatch_deliveries_failed_total")).toBe(1);
    expect(value("hub_dispatch_due_deliveries")).toBe(4);
    expect(value("hub_dispatch_oldest_due_seconds")).toBeGreaterThanOrEqual(30);
    expect(value("hub_dispatch_breakers", 'state="open"')).toBe(1);
    expect(value("hub_dispatch_breakers", 'state="half_open"')).toBe(1);
    // healthy, and refusing: one client error with retries off fails the delivery, not the breaker
    expect(value("hub_dispatch_breakers", 'state="closed"')).toBe(2);
    // The open breaker held its due backlog at every claim (counted per claim, not per delivery).
    expect(value("hub_dispatch_held_total", 'reason="circuit_open"')).toBeGreaterThanOrEqual(1);
  });
});
