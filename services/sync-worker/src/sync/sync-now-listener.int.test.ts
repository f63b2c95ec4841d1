import { createSecretBox, generateSecretsKey, SYNC_REQUESTED_CHANNEL } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import {
  createMigratedTestPool,
  insertConnector,
  loopbackConnectorFetch,
  simulatedTestConnector,
  startTestScheduler,
  type TestConnector,
} from "../../test/harness.ts";
import { SYNC_NOW_APPLICATION_NAME } from "./sync-now-listener.ts";
import type { SyncScheduler } from "./sync-scheduler.ts";

// The tick is far longer than the one-second bound, so only the LISTEN connection can make
// a sync-now prompt: after its backend is terminated, the listener must have reopened it.
describe("sync-now listener", () => {
  const connectorFetch = loopbackConnectorFetch();
  const secretBox = createSecretBox({ key: generateSecretsKey() });
  let connector: TestConnector;
  let sim: Simulation;
  let db: Pool;
  let scheduler: SyncScheduler;

  beforeAll(async () => {
    db = await createMigratedTestPool();
    sim = await startSimulation({ connectors: 1, logLevel: "silent" });
    connector = simulatedTestConnector(secretBox, sim.connectors[0], { syncIntervalSeconds: 3600 });
    await insertConnector(db, connector);
    scheduler = await startTestScheduler({
      db,
      secretBox,
      replicaId: "listener-test",
      connectorFetch,
      tickMs: 10_000,
      leaseSeconds: 30,
      timeoutMs: 5000,
      concurrency: 1,
      jitterRatio: 0,
      backoffMaxSeconds: 60,
    });
  });

  afterAll(async () => {
    await scheduler?.stop();
    connectorFetch.close();
    await sim?.stop();
    await db?.end();
  });

  const syncState = async () =>
    (
      await db.query<{ last_started_at: Date | null; last_correlation_id: string | null }>(
        `SELECT last_started_at, last_correlation_id FROM connector_sync_state WHERE connector_id = $1`,
        [connector.id],
      )
    ).rows[0];
  const listeningBackends = async () =>
    (
      await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND query = $2`,
        [SYNC_NOW_APPLICATION_NAME, `LISTEN ${SYNC_REQUESTED_CHANNEL}`],
      )
    ).rows.map((row) => row.pid);

  it("reopens a terminated LISTEN connection, and sync-now runs within a second again", async () => {
    await expect.poll(async () => (await syncState())?.last_correlation_id).not.toBeNull(); // its first
    const [first] = await listeningBackends();
    expect(first).toBeDefined();
    await db.query(`SELECT pg_terminate_backend($1)`, [first]);
    const isReopened = async () => {
      const pids = await listeningBackends();
      return pids.length === 1 && pids[0] !== first;
    };
    await expect.poll(isReopened, { timeout: 20_000 }).toBe(true);

    const before = await syncState();
    const { rows } = await db.query<{ at: Date }>(
      `UPDATE connector_sync_state SET sync_requested_at = now() WHERE connector_id = $1
       RETURNING sync_requested_at AS at`,
      [connector.id],
    );
    await db.query(`SELECT pg_notify($1, $2)`, [SYNC_REQUESTED_CHANNEL, connector.id]);
    await expect
      .poll(async () => (await syncState())?.last_correlation_id, { timeout: 20_000, interval: 50 })
      .not.toBe(before?.last_correlation_id);
    const startedAfterMs =
      ((await syncState())?.last_started_at?.getTime() ?? 0) - (rows[0]?.at.getTime() ?? 0);
    expect(startedAfterMs).toBeGreaterThanOrEqual(0);
    expect(startedAfterMs).toBeLessThan(1000);
  });
});
