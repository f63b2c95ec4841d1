import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertBacklog, insertDestination, logger } from "../../test/harness.ts";
import { openOwnTestDatabase } from "../../test/own-test-pool.ts";
import { waitForCondition } from "../../test/wait-for-condition.ts";
import { startRetention } from "./retention.ts";

// Retention on a database of its own: old finished events go with their deliveries and attempts;
// recent events and old events with pending work stay.
describe("retention cleanup", () => {
  let own: Awaited<ReturnType<typeof openOwnTestDatabase>>;
  let db: Pool;

  beforeAll(async () => {
    own = await openOwnTestDatabase("retention");
    db = own.db;
  });

  afterAll(async () => own?.close());

  it("deletes old finished events with their deliveries and attempts, and keeps the rest", async () => {
    // insertBacklog names events after the destination: one destination per group.
    const destination = () => insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    await insertBacklog(db, await destination(), 1500, "old-done"); // more than one cleanup batch (1,000)
    await insertBacklog(db, await destination(), 2, "old-pending");
    await insertBacklog(db, await destination(), 3, "recent-done");
    await db.query(
      `UPDATE deliveries SET status = 'delivered', attempt_count = 1, finished_at = now()
        WHERE connector_id IN ('old-done', 'recent-done')`,
    );
    await db.query(
      `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome)
       SELECT 'att_' || id, id, 1, now(), 5, 'success' FROM deliveries WHERE status = 'delivered'`,
    );
    await db.query(
      `UPDATE events SET stored_at = now() - interval '2 days' WHERE connector_id IN ('old-done', 'old-pending')`,
    );

    const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
    const retention = startRetention(db, logger, { retentionSeconds: 86_400, intervalMs: 3_600_000 });
    try {
      await waitForCondition(
        async () =>
          (await count(`SELECT count(*)::int AS n FROM events WHERE connector_id = 'old-done'`)) === 0,
      );
    } finally {
      await retention.stop();
    }

    const byConnector = await db.query<{
      connector_id: string;
      events: number;
      deliveries: number;
      attempts: number;
    }>(
      `SELECT e.connector_id, count(DISTINCT e.id)::int AS events, count(DISTINCT d.id)::int AS deliveries,
              count(a.id)::int AS attempts
         FROM events e LEFT JOIN deliveries d ON d.event_id = e.id LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
        GROUP BY e.connector_id ORDER BY e.connector_id`,
    );
    expect(byConnector.rows).toStrictEqual([
      { connector_id: "old-pending", events: 2, deliveries: 2, attempts: 0 },
      { connector_id: "recent-done", events: 3, deliveries: 3, attempts: 3 },
    ]);
    expect(await count(`SELECT count(*)::int AS n FROM deliveries`)).toBe(5);
    expect(await count(`SELECT count(*)::int AS n FROM delivery_attempts`)).toBe(3);
  });

  it("deletes the breaker's outcome buckets that left the window, and keeps those inside it", async () => {
    const destinationId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    await db.query(
      `INSERT INTO destination_outcomes (destination_id, bucket_start, successes, failures)
       VALUES ($1, now() - interval '1 hour', 5, 1), ($1, now() - interval '31 seconds', 3, 0),
              ($1, now() - interval '3 seconds', 7, 2)`,
      [destinationId],
    );
    const buckets = async () =>
      (
        await db.query<{ successes: number }>(
          "SELECT successes FROM destination_outcomes WHERE destination_id = $1 ORDER BY bucket_start",
          [destinationId],
        )
      ).rows.map((row) => row.successes);
    const retention = startRetention(db, logger, {
      retentionSeconds: 86_400,
      intervalMs: 3_600_000,
      breakerWindowSeconds: 30,
    });
    try {
      await waitForCondition(async () => (await buckets()).length === 1);
    } finally {
      await retention.stop();
    }
    expect(await buckets()).toStrictEqual([7]);
  });
});
