import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { registerConnectorWithWebhook, tryPostIngestEvent, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// Issue 13: under a Postgres failover sync-worker died too and ingest refused most events. Every
// service's backends (pools, checked-out clients, LISTEN connections) are terminated again and again
// while a Connector posts events; every service stays up, and every event it accepted is delivered.
describe("the hub when Postgres terminates its backends", () => {
  const connectorId = uniqueName("lost-pg");
  const db = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: 1,
    application_name: "chaos-test",
  });
  let hub: TestHub;
  let receiver: Receiver;
  let ingest: IngestEndpoint;

  beforeAll(async () => {
    receiver = await startReceiver();
    hub = await startHub({ extraEnv: { DELIVERY_POLL_INTERVAL_MS: "100" } });
    ingest = await registerConnectorWithWebhook(hub.api, { id: connectorId, name: "Lost PG" }, receiver.url);
  });

  afterAll(async () => {
    await hub?.services.stop();
    await receiver?.close();
    await db.end();
  });

  const terminateServiceBackends = async (): Promise<number> => {
    const { rowCount } = await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database()
          AND (application_name LIKE 'sync-worker%' OR application_name LIKE 'webhook-dispatcher%'
               OR application_name LIKE 'api-gateway%')`,
    );
    return rowCount ?? 0;
  };

  /** Posts one event as a Connector's webhooks module does; the id when accepted, else the status. */
  const post = (n: number): Promise<string | number> =>
    tryPostIngestEvent(ingest, { trigger: "transport.messageReceived", data: { n } });

  const running = () => {
    const children = hub.services.children();
    for (const child of Object.values(children)) expect(child.isRunning(), child.outputTail()).toBe(true);
  };

  it("keeps every service up and delivers every event it accepted", async () => {
    const accepted: string[] = [];
    const refused: number[] = [];
    let terminated = 0;
    let n = 0;
    const churnUntil = Date.now() + 3000;
    while (Date.now() < churnUntil) {
      for (const result of await Promise.all([post(n++), post(n++), post(n++)])) {
        if (typeof result === "string") accepted.push(result);
        else refused.push(result);
      }
      terminated += await terminateServiceBackends();
      await sleep(100);
    }
    expect(terminated).toBeGreaterThan(0);
    running();
    // A refusal is a 5xx the Connector retries; nothing it was told was accepted may be lost.
    for (const status of refused) expect(status).toBeGreaterThanOrEqual(500);
    expect(accepted.length).toBeGreaterThan(0);

    await receiver.waitFor(accepted.length, 45_000);
    const delivered = new Set(receiver.received.map((request) => request.headers["webhook-id"]));
    expect(accepted.filter((id) => !delivered.has(id))).toStrictEqual([]);
    for (const url of Object.values(hub.services.urls))
      expect((await fetch(`${url}/ready`)).status).toBe(200);
    running();
  });
});
