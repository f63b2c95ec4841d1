import {
  createPubSub,
  decodeEvent,
  ensureSubscription,
  ensureTopic,
  runReadinessCheck,
} from "@event-hub/shared";
import type { Message, PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { Gauge, Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  buildDeps,
  createMigratedTestPool,
  insertConnector,
  newTestConnector,
  silentLogger,
} from "../../test/harness.ts";
import { buildApp } from "../app.ts";
import { createOutboxRelay, type OutboxRelay } from "../outbox/outbox-relay.ts";
import { createEventPublisher } from "./event-publisher.ts";
import { createPublishGuard, type PublishGuard } from "./publish-guard.ts";

// "Never publish into the void", against the run's emulator: deleting the topic and the
// subscription is what an emulator restart does to them (issue 13: 705 events relayed into a topic
// without the dispatcher's subscription were lost).
describe("publish guard", () => {
  const connector = newTestConnector();
  let pubsub: PubSub;
  let db: Pool;
  let running: { app: FastifyInstance; guard: PublishGuard; relay: OutboxRelay } | undefined;

  beforeAll(async () => {
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID ?? "",
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
    });
    db = await createMigratedTestPool();
    await insertConnector(db, connector);
  });

  afterEach(async () => {
    await running?.guard.stop();
    await running?.relay.stop();
    await running?.app.close();
    running = undefined;
  });

  afterAll(async () => {
    await pubsub?.close();
    await db?.end();
  });

  /** A topic and the dispatcher's subscription of their own; ingest, relay and guard on them. */
  async function startWorker(options: {
    provision: boolean;
    betweenTopicAndSubscription?: () => Promise<void>;
  }) {
    const topic = uniqueName("events");
    const subscription = uniqueName("dispatcher");
    const create = async () => {
      await ensureTopic(pubsub, topic);
      await ensureSubscription(pubsub, topic, subscription, { enableMessageOrdering: true });
    };
    await create();
    const guard = createPublishGuard({
      pubsub,
      eventsTopic: topic,
      requiredSubscriptions: [subscription],
      provision: options.provision
        ? async () => {
            await ensureTopic(pubsub, topic);
            await options.betweenTopicAndSubscription?.();
            await ensureSubscription(pubsub, topic, subscription, { enableMessageOrdering: true });
          }
        : undefined,
      checkIntervalMs: 200,
      heldRecheckMs: 100,
      logger: silentLogger(),
      heldGauge: new Gauge({ name: "held", help: "held", registers: [new Registry()] }),
    });
    await guard.check();
    guard.start();
    const publisher = createEventPublisher(pubsub, topic, { rpcTimeoutMs: 2000, guard });
    const deps = buildDeps({ db, publisher, publishTimeoutMs: 2000 });
    const app = await buildApp(deps);
    const relay = createOutboxRelay({ ...deps, intervalMs: 100, batchSize: 50 });
    running = { app, guard, relay };
    const ingest = async (n: number): Promise<string> => {
      const response = await app.inject({
        method: "POST",
        url: `/v1/ingest/${connector.id}`,
        headers: { "content-type": "application/json", "x-api-key": connector.ingestKey },
        payload: { trigger: "transport.messageReceived", data: { n } },
      });
      expect(response.statusCode).toBe(202);
      return response.json().result.id as string;
    };
    const held = async () => (await runReadinessCheck(guard.readiness)).reason ?? "";
    const loseEverything = async () => {
      await pubsub.subscription(subscription).delete();
      await pubsub.topic(topic).delete();
    };
    return { topic, subscription, guard, relay, ingest, held, create, loseEverything };
  }

  const outboxCount = async () =>
    Number(
      (await db.query(`SELECT count(*) FROM ingest_outbox WHERE connector_id = $1`, [connector.id])).rows[0]
        .count,
    );

  it("holds every event in the outbox while the subscription is missing, then delivers all of them to it", async () => {
    const worker = await startWorker({ provision: false });
    await worker.loseEverything();

    const accepted: string[] = [];
    for (let n = 0; n < 10; n++) accepted.push(await worker.ingest(n)); // the first publish fails: held
    await expect.poll(worker.held).toContain(worker.subscription);
    expect(await outboxCount()).toBe(10);
    expect(await worker.relay.runOnce()).toBe(0);

    await ensureTopic(pubsub, worker.topic); // the topic alone is not enough
    await expect.poll(worker.held).not.toContain(`topic ${worker.topic}`);
    expect(await worker.held()).toContain(worker.subscription);
    expect(await worker.relay.runOnce()).toBe(0);
    expect(await outboxCount()).toBe(10);

    await worker.create(); // the operator: terraform apply, make provision
    await expect.poll(worker.held).toBe("");
    await expect.poll(async () => (await worker.relay.runOnce(), await outboxCount())).toBe(0);
    expect(await receiveIds(pubsub, worker.subscription, accepted.length)).toStrictEqual(accepted);
  });

  it("with provisioning on, re-creates the topic and subscription itself and publishes what waited", async () => {
    const worker = await startWorker({ provision: true });
    worker.relay.start();
    await worker.loseEverything();
    const accepted: string[] = [];
    for (let n = 0; n < 10; n++) accepted.push(await worker.ingest(n));
    await expect.poll(outboxCount, { timeout: 15_000 }).toBe(0);
    expect(await worker.held()).toBe("");
    expect(await receiveIds(pubsub, worker.subscription, accepted.length)).toStrictEqual(accepted);
  });

  it("holds while it re-creates the layout, so nothing is published into the topic before its subscription", async () => {
    let reachedPause = () => undefined as void;
    const paused = new Promise<void>((resolve) => (reachedPause = resolve));
    let resume = () => undefined as void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const worker = await startWorker({
      provision: true,
      betweenTopicAndSubscription: async () => {
        reachedPause();
        await resumed;
      },
    });
    await worker.loseEverything();
    await paused; // the guard's check re-created the topic; its subscription is not there yet
    const id = await worker.ingest(0);
    expect(await outboxCount()).toBe(1);
    resume();
    await expect.poll(worker.held).toBe("");
    await expect.poll(async () => (await worker.relay.runOnce(), await outboxCount())).toBe(0);
    expect(await receiveIds(pubsub, worker.subscription, 1)).toStrictEqual([id]);
  });

  it("notices a subscription deleted under an existing topic at the next check, before publishing into it", async () => {
    const worker = await startWorker({ provision: false });
    await pubsub.subscription(worker.subscription).delete();
    await expect.poll(worker.held).toContain(worker.subscription);
    const id = await worker.ingest(0);
    expect(await outboxCount()).toBe(1);
    await worker.create();
    await expect.poll(async () => (await worker.relay.runOnce(), await outboxCount())).toBe(0);
    expect(await receiveIds(pubsub, worker.subscription, 1)).toStrictEqual([id]);
  });
});

/** Event ids in order of first arrival, until `count` distinct ones came. */
async function receiveIds(pubsub: PubSub, name: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const subscription = pubsub.subscription(name);
  subscription.on("message", (message: Message) => {
    message.ack();
    const decoded = decodeEvent(message);
    if (decoded.ok && decoded.form === "cloudevents" && !ids.includes(decoded.event.id)) {
      ids.push(decoded.event.id);
    }
  });
  try {
    await expect.poll(() => ids.length, { timeout: 20_000 }).toBe(count);
    return ids;
  } finally {
    await subscription.close();
  }
}
