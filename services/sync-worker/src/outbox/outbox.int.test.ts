import {
  createLogger,
  createPubSub,
  decodeEvent,
  ensureSubscription,
  ensureTopic,
  runMigrations,
} from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "@event-hub/local-stack/free-port";
import { startPubSub, type PubSubEmulator } from "@event-hub/local-stack/pubsub-emulator";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildDeps, createTestPool, insertConnector, newTestConnector } from "../../test/harness.ts";
import { buildApp, type SyncWorkerDeps } from "../app.ts";
import { createEventPublisher } from "../ingest/event-publisher.ts";
import { createOutboxRelay, type OutboxRelay } from "./outbox-relay.ts";

// The "nothing lost" core against an emulator of its own, which the test stops and starts again.
describe("ingest outbox", () => {
  const connector = newTestConnector();
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("sub");
  const publishTimeoutMs = 1000;
  let emulator: PubSubEmulator;
  let port: number;
  let pubsub: PubSub;
  let db: Pool;
  let deps: SyncWorkerDeps;
  let app: FastifyInstance;
  let relay: OutboxRelay;
  // At debug, which events Pub/Sub acked and how: make chaos reads these lines (tools/chaos/src/publish-trace.ts).
  const trace: Array<{ eventId?: string; eventIds?: string[]; publishedVia?: string }> = [];
  const traceLogger = createLogger(
    { service: "outbox-test", level: "debug" },
    { write: (line: string) => void trace.push(JSON.parse(line)) },
  );

  const provision = async () => {
    await ensureTopic(pubsub, topicName);
    await ensureSubscription(pubsub, topicName, subscriptionName, { enableMessageOrdering: true });
  };

  beforeAll(async () => {
    port = await findFreePort();
    const env = { ...process.env, PUBSUB_EMULATOR_HOST: undefined };
    emulator = await startPubSub({ projectId: "outbox-test", port, env });
    pubsub = createPubSub({ projectId: "outbox-test", emulatorHost: emulator.host });
    await provision();
    db = createTestPool();
    await runMigrations(db);
    await insertConnector(db, connector);
    const publisher = createEventPublisher(pubsub, topicName, { rpcTimeoutMs: publishTimeoutMs });
    deps = buildDeps({ db, publisher, publishTimeoutMs, logger: traceLogger });
    app = await buildApp(deps);
    relay = createOutboxRelay({ ...deps, intervalMs: 100, batchSize: 4 });
  });

  afterAll(async () => {
    await app?.close();
    await pubsub?.close();
    await emulator?.stop();
    await db?.end();
  });

  const ingest = (n: number) =>
    app.inject({
      method: "POST",
      url: `/v1/ingest/${connector.id}`,
      headers: { "content-type": "application/json", "x-api-key": connector.ingestKey },
      payload: { trigger: "transport.messageReceived", data: { n } },
    });

  const outboxCount = async () =>
    Number(
      (await db.query(`SELECT count(*) FROM ingest_outbox WHERE connector_id = $1`, [connector.id])).rows[0]
        .count,
    );

  it("answers 2xx while the emulator is down, then publishes every event once, in order", async () => {
    const accepted: string[] = [];
    const before = await ingest(0);
    expect(before.statusCode).toBe(202);
    accepted.push(before.json().result.id);

    await emulator.stop();
    for (let n = 1; n <= 10; n++) {
      const response = await ingest(n);
      expect(response.statusCode).toBe(202);
      accepted.push(response.json().result.id);
    }
    expect(await outboxCount()).toBe(10);
    expect(await relay.runOnce()).toBe(0); // Pub/Sub is still away: nothing leaves the outbox

    emulator = await startPubSub({
      projectId: "outbox-test",
      port,
      env: { ...process.env, PUBSUB_EMULATOR_HOST: undefined },
    });
    await provision(); // the emulator keeps nothing across a restart
    // While the outbox still holds events, new ones queue behind them.
    const queued = await ingest(11);
    expect(queued.statusCode).toBe(202);
    accepted.push(queued.json().result.id);
    expect(await outboxCount()).toBe(11);

    await expect.poll(async () => (await relay.runOnce(), await outboxCount()), { timeout: 30_000 }).toBe(0);
    const after = await ingest(12); // backlog drained: straight to Pub/Sub again
    expect(after.statusCode).toBe(202);
    accepted.push(after.json().result.id);
    expect(await outboxCount()).toBe(0);

    const received = await receiveDistinct(pubsub, subscriptionName, accepted.length - 1);
    expect(received.ids).toStrictEqual(accepted.slice(1)); // event 0 went down with the first emulator
    expect(received.numbers).toStrictEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // The trace tells each event's way: acked at ingest (0 and 12), or acked when relayed (1–11).
    const viaIngest = trace.filter((line) => line.publishedVia === "ingest").map((line) => line.eventId);
    const viaRelay = trace.filter((line) => line.publishedVia === "relay").flatMap((line) => line.eventIds);
    expect(viaIngest).toStrictEqual([accepted[0], accepted[12]]);
    expect(viaRelay).toStrictEqual(accepted.slice(1, 12));
  });

  it("keeps accepting, with Postgres away, a Connector registered after the last registry refresh", async () => {
    const closedPort = await findFreePort();
    const deadDb = createTestPool(`postgres://postgres@127.0.0.1:${closedPort}/nowhere`, 1);
    const fresh = newTestConnector();
    await insertConnector(db, fresh); // no registry refresh after this: only its own lookup is known
    const deadApp = await buildApp({ ...deps, db: deadDb });
    const post = (target: FastifyInstance, key = fresh.ingestKey) =>
      target.inject({
        method: "POST",
        url: `/v1/ingest/${fresh.id}`,
        headers: { "content-type": "application/json", "x-api-key": key },
        payload: { trigger: "transport.messageReceived", data: {} },
      });
    try {
      expect((await post(app)).statusCode).toBe(202); // Postgres answered; the registry keeps it
      expect((await post(deadApp)).statusCode).toBe(202);
      expect((await post(deadApp, "wrong")).statusCode).toBe(401);
    } finally {
      await deadApp.close();
      await deadDb.end();
    }
  });

  it("accepts with Postgres away while Pub/Sub works, and answers 503 when neither takes the event", async () => {
    const closedPort = await findFreePort();
    const deadDb = createTestPool(`postgres://postgres@127.0.0.1:${closedPort}/nowhere`, 1);
    const disabled = newTestConnector({ enabled: false });
    await insertConnector(db, disabled);
    await deps.registry.refresh(); // its last known credentials, loaded while Postgres was there
    const deadApp = await buildApp({ ...deps, db: deadDb });
    const post = (key = connector.ingestKey, connectorId = connector.id) =>
      deadApp.inject({
        method: "POST",
        url: `/v1/ingest/${connectorId}`,
        headers: { "content-type": "application/json", "x-api-key": key },
        payload: { trigger: "transport.messageReceived", data: {} },
      });
    try {
      expect((await post()).statusCode).toBe(202);
      // The last known copy decides like Postgres would: wrong key 401, disabled Connector 403.
      expect((await post("wrong")).statusCode).toBe(401);
      expect((await post(disabled.ingestKey, disabled.id)).statusCode).toBe(403);
      await emulator.stop();
      const response = await post();
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toMatchObject({ code: "error.hub.ingest.unavailable" });
    } finally {
      await deadApp.close();
      await deadDb.end();
    }
  });
});

/** Pulls until `count` distinct event ids arrived; returns them in order of first arrival. */
async function receiveDistinct(
  pubsub: PubSub,
  subscriptionName: string,
  count: number,
): Promise<{ ids: string[]; numbers: number[] }> {
  const ids: string[] = [];
  const numbers: number[] = [];
  const subscription = pubsub.subscription(subscriptionName);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${ids.length} of ${count} events`)), 30_000);
    subscription.on("message", (message) => {
      message.ack();
      const decoded = decodeEvent(message);
      if (!decoded.ok || decoded.form !== "cloudevents" || ids.includes(decoded.event.id)) return;
      ids.push(decoded.event.id);
      numbers.push((decoded.event.data as { n: number }).n);
      if (ids.length === count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await subscription.close();
  return { ids, numbers };
}
