import { createGuardedFetch, createSecretBox, createSsrfPolicy, generateSecretsKey } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import {
  createMigratedTestPool,
  insertConnector,
  simulatedTestConnector,
  startTestScheduler,
} from "../../test/harness.ts";
import type { SyncScheduler } from "./sync-scheduler.ts";

// sync-worker without SSRF_ALLOW: a Connector whose baseUrl is (or resolves to) loopback is never
// called; its sync is recorded as failed with an error that names SSRF_ALLOW, and nothing crashes.
describe("sync without SSRF_ALLOW", () => {
  const connectorFetch = createGuardedFetch(createSsrfPolicy([]));
  const secretBox = createSecretBox({ key: generateSecretsKey() });
  let sim: Simulation;
  let db: Pool;
  let scheduler: SyncScheduler;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createMigratedTestPool();
    sim = await startSimulation({ connectors: 1, logLevel: "silent" });
    const simulated = sim.connectors[0];
    const port = new URL(simulated?.baseUrl ?? "").port;
    for (const baseUrl of [
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      `http://[::ffff:7f00:1]:${port}`,
    ]) {
      const connector = simulatedTestConnector(secretBox, simulated, { baseUrl });
      await insertConnector(db, connector);
      ids.push(connector.id);
    }
    scheduler = await startTestScheduler({
      db,
      secretBox,
      replicaId: "ssrf-test",
      tickMs: 200,
      leaseSeconds: 10,
      timeoutMs: 5000,
      concurrency: 3,
      jitterRatio: 0,
      backoffMaxSeconds: 60,
      connectorFetch,
    });
  });

  afterAll(async () => {
    await scheduler?.stop();
    connectorFetch.close();
    await sim?.stop();
    await db?.end();
  });

  it("records the sync failed with a clear error and never calls the Connector", async () => {
    const failed = async () =>
      (
        await db.query<{ connector_id: string; last_error: string | null; last_succeeded_at: Date | null }>(
          `SELECT connector_id, last_error, last_succeeded_at FROM connector_sync_state
            WHERE connector_id = ANY($1) AND consecutive_failures >= 1`,
          [ids],
        )
      ).rows;
    await expect
      .poll(async () => (await failed()).length, { timeout: 10_000, interval: 50 })
      .toBe(ids.length);
    for (const row of await failed()) {
      expect(row.last_error, row.connector_id).toMatch(/not allowed|SSRF_ALLOW/);
      expect(row.last_error).toContain("SSRF_ALLOW");
      expect(row.last_succeeded_at).toBeNull();
    }
    expect(sim.connectors[0]?.connector.syncLog).toEqual([]);
  });
});
