import {
  createMetricsRegistry,
  createPubSub,
  ensureSubscription,
  ensureTopic,
  idTime,
  runMigrations,
} from "@event-hub/shared";
import type { Message, PubSub, Topic } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createTestPool, insertConnector, newTestConnector, silentLogger } from "../../test/harness.ts";
import {
  subscribeToPublishedEvents,
  type PublishedEvent as Received,
  type PublishedEventsSubscription,
} from "../../test/published-events.ts";
import { createEventPublisher } from "../ingest/event-publisher.ts";
import { createSyncWorkerMetrics, type SyncWorkerMetrics } from "../metrics.ts";
import { createOutboxBacklog } from "../outbox/outbox-backlog.ts";
import { brokerEventId } from "./broker-event-id.ts";
import { createBrokerIngest, type BrokerIngest } from "./broker-ingest.ts";
import { handleBrokerMessage, type BrokerOutcome } from "./broker-subscription-consumer.ts";
import { createRecentlyAccepted } from "./recently-accepted.ts";

type Delivery = { id: string; publishTime: Date; n: number };

// Broker ingest against the emulator: each Connector's messageBrokerPublisher is played by a topic of
// its own that the test publishes to in the Connector's form; the hub topic is read by a subscription.
describe("broker ingest", () => {
  const hubTopic = uniqueName("events");
  const hubSubscription = uniqueName("hub");
  const received: Received[] = [];
  const owned = new Set<string>();
  const topics = new Map<string, Topic>();
  let pubsub: PubSub;
  let db: Pool;
  let metrics: SyncWorkerMetrics;
  let ingest: BrokerIngest;
  let hubEvents: PublishedEventsSubscription | undefined;
  const deps = () => ({
    db,
    publisher: createEventPublisher(pubsub, hubTopic),
    publishTimeoutMs: 5000,
    backlog: createOutboxBacklog(),
    metrics,
    logger: silentLogger(),
  });

  /** A topic and subscription standing for a Connector's broker; returns the subscription's name. */
  const createBroker = async (): Promise<{ topic: string; subscription: string }> => {
    const topic = uniqueName("broker");
    const subscription = uniqueName("broker-sub");
    await ensureTopic(pubsub, topic);
    await ensureSubscription(pubsub, topic, subscription);
    return { topic, subscription };
  };
  /** As the Connector's PubSub publisher sends: attribute namespace, data = JSON.stringify(event.data). */
  const publishLikeConnector = async (topic: string, namespace: string, data: unknown): Promise<string> => {
    const client = topics.get(topic) ?? pubsub.topic(topic);
    topics.set(topic, client);
    return await client.publishMessage({
      data: Buffer.from(JSON.stringify(data)),
      attributes: { namespace },
    });
  };
  const eventsOf = (connectorId: string) => received.filter((r) => r.event.connectorId === connectorId);
  const brokerCount = async (outcome: string) =>
    (await metrics.brokerMessages.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  beforeAll(async () => {
    db = createTestPool();
    await runMigrations(db);
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID,
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
    });
    metrics = createSyncWorkerMetrics(createMetricsRegistry("sync-worker-test"));
    hubEvents = await subscribeToPublishedEvents(
      pubsub,
      { topic: hubTopic, subscription: hubSubscription },
      (published) => received.push(published),
    );
    ingest = createBrokerIngest({
      ...deps(),
      pubsub,
      recent: createRecentlyAccepted(1000),
      maxMessages: 10,
      stopTimeoutMs: 5000,
      refreshMs: 100,
      owns: (connectorId) => owned.has(connectorId),
    });
    ingest.start();
  });

  afterAll(async () => {
    await ingest?.stop();
    await hubEvents?.close();
    await pubsub?.close();
    await db?.end();
  });

  it("republishes each Connector's broker messages normalised, in order, once each", async () => {
    const [a, b] = [await createBroker(), await createBroker()];
    const tap = uniqueName("tap"); // a second subscription on A's broker topic shows the originals
    await ensureSubscription(pubsub, a.topic, tap);
    const originals: Delivery[] = [];
    pubsub.subscription(tap).on("message", (message: Message) => {
      message.ack();
      const { n } = JSON.parse(message.data.toString()) as { n: number };
      originals.push({ id: message.id, publishTime: message.publishTime, n });
    });
    const connectorA = newTestConnector();
    const connectorB = newTestConnector();
    await insertConnector(db, connectorA);
    await insertConnector(db, connectorB);
    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connectorA.id,
      a.subscription,
    ]);
    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connectorB.id,
      b.subscription,
    ]);
    owned.add(connectorA.id).add(connectorB.id);
    await expect.poll(() => ingest.consuming().size, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    const count = 20;
    for (let n = 0; n < count; n++) {
      await publishLikeConnector(a.topic, "transport.messageReceived", { n, from: "a" });
      await publishLikeConnector(b.topic, "consumption.attributeCreated", { n, from: "b" });
    }
    await expect
      .poll(() => eventsOf(connectorA.id).length + eventsOf(connectorB.id).length, { timeout: 20_000 })
      .toBe(2 * count);
    await expect.poll(() => originals.length, { timeout: 10_000 }).toBe(count);

    for (const connector of [connectorA, connectorB]) {
      const numbers = eventsOf(connector.id).map((r) => (r.event.data as { n: number }).n);
      expect(numbers).toStrictEqual(Array.from({ length: count }, (_, n) => n));
    }
    // The tap subscription is not ordered: pair each event with its original by the number it carries.
    const originalOf = new Map(originals.map((original) => [original.n, original]));
    for (const got of eventsOf(connectorA.id)) {
      const original = originalOf.get((got.event.data as { n: number }).n) as Delivery;
      const time = new Date(original.publishTime.getTime()).toISOString(); // ms, as ce-time
      expect(got.event.id).toBe(brokerEventId(original.publishTime.getTime(), a.subscription, original.id));
      expect(idTime(got.event.id).toISOString()).toBe(time);
      expect(got.orderingKey).toBe(connectorA.id);
      expect(got.attributes).toStrictEqual({
        "ce-specversion": "1.0",
        "ce-id": got.event.id,
        "ce-type": "transport.messageReceived",
        "ce-source": `connectors/${connectorA.id}`,
        "ce-time": time,
        namespace: "transport.messageReceived",
        connectorId: connectorA.id,
      });
    }
    await pubsub.subscription(tap).close();
  });

  it("acks an undecodable message, counts it, and goes on", async () => {
    const broker = await createBroker();
    const connector = newTestConnector();
    await insertConnector(db, connector);
    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connector.id,
      broker.subscription,
    ]);
    owned.add(connector.id);
    await expect
      .poll(() => ingest.consuming().get(connector.id), { timeout: 10_000 })
      .toBe(broker.subscription);

    const undecodableBefore = await brokerCount("undecodable");
    const client = pubsub.topic(broker.topic);
    await client.publishMessage({ data: Buffer.from("not json"), attributes: { namespace: "a.b" } });
    await client.publishMessage({ data: Buffer.from("{}"), attributes: {} }); // no namespace
    await publishLikeConnector(broker.topic, "test.after", { ok: true });
    await expect.poll(() => eventsOf(connector.id).length, { timeout: 10_000 }).toBe(1);
    // Acked: a nacked message would come again and be counted again; the later message is done.
    await publishLikeConnector(broker.topic, "test.after", { ok: true });
    await expect.poll(() => eventsOf(connector.id).length, { timeout: 10_000 }).toBe(2);
    expect((await brokerCount("undecodable")) - undecodableBefore).toBe(2);
  });

  it("picks up a subscription set, changed or removed while it runs, and follows the lease", async () => {
    const [first, second] = [await createBroker(), await createBroker()];
    const connector = newTestConnector();
    await insertConnector(db, connector);
    owned.add(connector.id);
    await ingest.refresh();
    expect(ingest.consuming().has(connector.id)).toBe(false);

    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connector.id,
      first.subscription,
    ]);
    await publishLikeConnector(first.topic, "test.set", { step: 1 });
    await expect.poll(() => eventsOf(connector.id).length, { timeout: 10_000 }).toBe(1);

    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connector.id,
      second.subscription,
    ]);
    await expect
      .poll(() => ingest.consuming().get(connector.id), { timeout: 10_000 })
      .toBe(second.subscription);
    await publishLikeConnector(second.topic, "test.changed", { step: 2 });
    await expect.poll(() => eventsOf(connector.id).length, { timeout: 10_000 }).toBe(2);

    owned.delete(connector.id); // the lease went to another replica
    await expect.poll(() => ingest.consuming().has(connector.id), { timeout: 10_000 }).toBe(false);
    owned.add(connector.id);
    await expect.poll(() => ingest.consuming().has(connector.id), { timeout: 10_000 }).toBe(true);

    await db.query(`UPDATE connectors SET broker_subscription = NULL WHERE id = $1`, [connector.id]);
    await expect.poll(() => ingest.consuming().has(connector.id), { timeout: 10_000 }).toBe(false);
    expect(eventsOf(connector.id).map((r) => r.event.trigger)).toStrictEqual(["test.set", "test.changed"]);
  });

  it("waits for a subscription that does not exist yet, and consumes it once it does", async () => {
    const topic = uniqueName("broker");
    const subscription = uniqueName("broker-sub");
    await ensureTopic(pubsub, topic);
    const connector = newTestConnector();
    await insertConnector(db, connector);
    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connector.id,
      subscription,
    ]);
    owned.add(connector.id);
    await expect.poll(() => ingest.consuming().has(connector.id), { timeout: 10_000 }).toBe(true);
    await ensureSubscription(pubsub, topic, subscription); // the operator creates it late
    await expect
      .poll(
        async () => {
          await publishLikeConnector(topic, "test.late", {});
          return eventsOf(connector.id).length;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThan(0);
  });

  it("turns a redelivered broker message into the same event, published once in this process", async () => {
    const broker = await createBroker();
    const connectorId = uniqueName("con");
    const source = { connectorId, subscription: broker.subscription };
    const running = { ...deps(), recent: createRecentlyAccepted(1000) };
    // After a restart or a lease handover the memory of accepted messages is gone.
    const restarted = { ...deps(), recent: createRecentlyAccepted(1000) };
    const outcomes: BrokerOutcome[] = [];
    const deliveries: string[] = [];
    // The test consumes instead of the service. Delivery 1 is accepted, then nacked as by a replica
    // that crashed before its ack; delivery 2 comes to the same process (nacked again); delivery 3
    // to a restarted one.
    pubsub.subscription(broker.subscription).on("message", (message: Message) => {
      const attempt = deliveries.push(message.id);
      void handleBrokerMessage(attempt < 3 ? running : restarted, source, message).then((outcome) => {
        outcomes.push(outcome);
        if (attempt < 3) message.nack();
        else message.ack();
      });
    });
    await publishLikeConnector(broker.topic, "test.redelivered", { once: true });
    await expect
      .poll(() => outcomes, { timeout: 20_000 })
      .toStrictEqual(["accepted", "duplicate", "accepted"]);
    expect(new Set(deliveries).size).toBe(1);
    await expect.poll(() => eventsOf(connectorId).length, { timeout: 10_000 }).toBe(2);
    const [firstCopy, secondCopy] = eventsOf(connectorId);
    expect(secondCopy?.event.id).toBe(firstCopy?.event.id); // consumers de-duplicate by id
    await pubsub.subscription(broker.subscription).close();
  });
});
