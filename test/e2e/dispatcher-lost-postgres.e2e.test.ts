import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startDispatcherProcess,
  type DispatcherProcess,
} from "@event-hub/webhook-dispatcher/testing/dispatcher-process";
import {
  insertDestination,
  startHookReceiver,
  type HookReceiver,
} from "@event-hub/webhook-dispatcher/testing/harness";
import { waitForCondition } from "@event-hub/webhook-dispatcher/testing/wait-for-condition";

// Postgres lost the way production loses it (issue 13): a failover or maintenance terminates the
// backends of the service's pool, checked-out clients and the LISTEN connection included, and for a
// while no new connection is let in. The real dispatcher process must stay up, say so on /ready, and
// deliver what it was sent once Postgres lets it back in, without a restart.
describe("webhook-dispatcher when it loses Postgres", () => {
  const connectorId = "lost-postgres";
  let dispatcher: DispatcherProcess;
  let receiver: HookReceiver;
  let database: string;
  // On the run's database: Postgres will not disallow connections to the database a session is on.
  const admin = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const allowConnections = (allow: boolean) =>
    admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allow}`);

  beforeAll(async () => {
    receiver = await startHookReceiver();
    // Slow enough that sends, leases and their transactions are in flight when backends die.
    receiver.answer(() => ({ status: 200, delayMs: 50 }));
    dispatcher = await startDispatcherProcess("lost_postgres", { SSRF_ALLOW: "127.0.0.0/8" });
    await insertDestination(dispatcher.db, { config: { url: receiver.url }, connectorIds: [connectorId] });
    database = (await dispatcher.db.query<{ name: string }>("SELECT current_database() AS name")).rows[0]!
      .name;
  });

  afterAll(async () => {
    if (database) await allowConnections(true);
    await admin.end();
    await dispatcher?.stop();
    await receiver?.close();
  });

  /** Ends every connection of the dispatcher process (its pool's and its LISTEN's), not the test's. */
  const terminateDispatcherBackends = async (): Promise<number> => {
    const { rowCount } = await dispatcher.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND application_name LIKE 'webhook-dispatcher%'`,
      [database],
    );
    return rowCount ?? 0;
  };
  const readyStatus = async () => (await fetch(`${dispatcher.url}/ready`)).status;
  const publishAll = (count: number, tag: string) =>
    Promise.all(
      Array.from({ length: count }, (_, n) =>
        dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data: { tag, n } }),
      ),
    );
  const deliveredAll = (ids: string[]) => () => {
    const seen = new Set(
      receiver.received.filter((h) => h.status === 200).map((h) => h.headers["webhook-id"]),
    );
    return ids.every((id) => seen.has(id));
  };

  it("survives its backends being terminated again and again while it delivers", async () => {
    const first = await publishAll(1, "before");
    await receiver.waitUntil(deliveredAll(first));

    const ids: string[] = [];
    let terminated = 0;
    const churnUntil = Date.now() + 3000;
    while (Date.now() < churnUntil) {
      ids.push(...(await publishAll(3, "churn")));
      terminated += await terminateDispatcherBackends();
      await sleep(100);
    }
    expect(terminated).toBeGreaterThan(0);
    expect(dispatcher.child.isRunning(), dispatcher.child.outputTail()).toBe(true);
    await waitForCondition(deliveredAll(ids), 45_000, 100);
    expect(await readyStatus()).toBe(200);
    expect(dispatcher.child.isRunning(), dispatcher.child.outputTail()).toBe(true);
  });

  it("reports not-ready while Postgres refuses it, and resumes by itself when it is back", async () => {
    await allowConnections(false);
    await terminateDispatcherBackends();
    const ids = await publishAll(5, "outage");
    await waitForCondition(async () => (await readyStatus()) === 503, 20_000, 200);
    await sleep(2000); // a while without Postgres, as a failover takes
    expect(dispatcher.child.isRunning(), dispatcher.child.outputTail()).toBe(true);

    await allowConnections(true);
    await waitForCondition(async () => (await readyStatus()) === 200, 20_000, 200);
    await waitForCondition(deliveredAll(ids), 45_000, 100);
    expect(dispatcher.child.isRunning(), dispatcher.child.outputTail()).toBe(true);
  });
});
