import { createSecretBox, generateSecretsKey } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import { SYNC_REQUESTED_CHANNEL } from "@event-hub/shared";
import type { SyncScheduler } from "./sync-scheduler.ts";
import {
  createMigratedTestPool,
  insertConnector,
  loopbackConnectorFetch,
  simulatedTestConnector,
  startTestScheduler,
  type TestConnector,
} from "../../test/harness.ts";

type StateRow = {
  connector_id: string;
  last_succeeded_at: Date | null;
  last_failed_at: Date | null;
  last_error: string | null;
  consecutive_failures: number;
  last_correlation_id: string | null;
  next_sync_at: Date;
  last_started_at: Date | null;
  sync_requested_at: Date | null;
};

/** The scheduler's settings; the hanging Connector's timeout is long beside the interval. */
const SETTINGS = {
  tickMs: 200,
  leaseSeconds: 10,
  timeoutMs: 5000,
  concurrency: 3,
  jitterRatio: 0,
  backoffMaxSeconds: 4,
};
const INTERVAL_MS = 1000;
const SLOW_SYNC_MS = 300;

// One scheduler against simulated Connectors: healthy, failing, hanging, three slow ones (more due
// at once than it may run), and one synced on request.
describe("sync scheduler", () => {
  const connectorFetch = loopbackConnectorFetch();
  const secretBox = createSecretBox({ key: generateSecretsKey() });
  let sim: Simulation;
  let db: Pool;
  let scheduler: SyncScheduler;
  const connectors: TestConnector[] = [];

  beforeAll(async () => {
    db = await createMigratedTestPool();
    sim = await startSimulation({ connectors: 7, logLevel: "silent" });
    const [, failing, hanging, ...others] = sim.connectors;
    failing?.setFaults({ sync: "error" });
    hanging?.setFaults({ sync: "hang" });
    for (const slow of [others[0], others[2], others[3]]) slow?.setFaults({ syncDelayMs: SLOW_SYNC_MS });
    for (const [index, simulated] of sim.connectors.entries()) {
      const connector = simulatedTestConnector(secretBox, simulated, {
        syncIntervalSeconds: index === 4 ? 3600 : INTERVAL_MS / 1000, // 4 syncs only when asked
      });
      await insertConnector(db, connector);
      connectors.push(connector);
    }
    scheduler = await startTestScheduler({
      db,
      secretBox,
      replicaId: "scheduler-test",
      connectorFetch,
      ...SETTINGS,
    });
  });

  afterAll(async () => {
    await scheduler?.stop();
    connectorFetch.close();
    await sim?.stop();
    await db?.end();
  });

  const state = async (index: number): Promise<StateRow> => {
    const { rows } = await db.query<StateRow>(`SELECT * FROM connector_sync_state WHERE connector_id = $1`, [
      connectors[index]?.id,
    ]);
    return rows[0] as StateRow;
  };

  it("keeps syncing healthy Connectors while others fail, hang or are slow, and backs those off", async () => {
    const successes = new Set<number>();
    await expect
      .poll(
        async () => {
          const healthy = await state(0);
          if (healthy.last_succeeded_at) successes.add(healthy.last_succeeded_at.getTime());
          const hanging = await state(2);
          return successes.size >= 4 && hanging.consecutive_failures >= 2;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe(true);

    // While the hanging one held a slot for its whole timeout, twice, the healthy one kept its
    // rhythm: each next sync (as the simulated Connector saw them arrive, every one of them) within
    // an interval, a tick, a slow sync's wait for a slot and a generous margin, far below the
    // hanging timeout it would otherwise have waited behind.
    const times = sim.connectors[0]?.connector.syncLog.map((sync) => sync.arrivedAt) ?? [];
    expect(times.length).toBeGreaterThanOrEqual(4);
    const gaps = times.slice(1).map((time, i) => time - (times[i] ?? 0));
    const boundMs = INTERVAL_MS + SETTINGS.tickMs + SLOW_SYNC_MS + 1500;
    expect(boundMs).toBeLessThan(SETTINGS.timeoutMs);
    expect(Math.max(...gaps)).toBeLessThan(boundMs);
    // More Connectors were due at once than the scheduler may sync: it ran exactly that many.
    expect(sim.syncRequests().maxInFlight).toBe(SETTINGS.concurrency);

    const failing = await state(1);
    expect(failing.last_error).toContain("HTTP 500 error.platform.unexpected");
    expect(failing.last_succeeded_at).toBeNull();
    expect(failing.consecutive_failures).toBeGreaterThanOrEqual(2);
    // Backed off: the next run waits 2^failures × the interval (capped), not the interval.
    const waitMs = failing.next_sync_at.getTime() - (failing.last_failed_at?.getTime() ?? 0);
    expect(waitMs).toBeGreaterThanOrEqual(Math.min(4, 2 ** failing.consecutive_failures) * 1000 - 50);
    expect((await state(2)).last_error).toContain(`no answer within ${SETTINGS.timeoutMs} ms`);
    expect((await state(3)).last_succeeded_at).not.toBeNull();
    expect((await state(0)).last_correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("clears the last error once a failing Connector syncs again (lastFailedAt still says when it failed)", async () => {
    await expect.poll(async () => (await state(1)).last_error).not.toBeNull();
    sim.connectors[1]?.setFaults({ sync: "ok" });
    await expect
      .poll(async () => (await state(1)).last_succeeded_at, { timeout: 15_000, interval: 50 })
      .not.toBeNull();
    const recovered = await state(1);
    expect(recovered).toMatchObject({ last_error: null, consecutive_failures: 0 });
    expect(recovered.last_failed_at).not.toBeNull();
  });

  it("runs a sync at once when api-gateway asks for one", async () => {
    await expect.poll(async () => (await state(4)).last_succeeded_at).not.toBeNull(); // its first, at registration
    const before = await state(4);
    const { rows } = await db.query<{ at: Date }>(
      `UPDATE connector_sync_state SET sync_requested_at = now() WHERE connector_id = $1 RETURNING sync_requested_at AS at`,
      [connectors[4]?.id],
    );
    await db.query(`SELECT pg_notify($1, $2)`, [SYNC_REQUESTED_CHANNEL, connectors[4]?.id]);
    await expect
      .poll(async () => (await state(4)).last_correlation_id, { timeout: 10_000, interval: 50 })
      .not.toBe(before.last_correlation_id);
    await expect.poll(async () => (await state(4)).sync_requested_at).toBeNull();
    // "Sync now" runs within a second (the bound); both times are Postgres's now().
    const startedAfterMs = ((await state(4)).last_started_at?.getTime() ?? 0) - (rows[0]?.at.getTime() ?? 0);
    expect(startedAfterMs).toBeGreaterThanOrEqual(0);
    expect(startedAfterMs).toBeLessThan(1000);
  });
});
