import { randomBytes } from "node:crypto";
import { createPubSub, ensureSubscription, ensureTopic } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Child } from "@event-hub/local-stack/child-process";
import { findFreePorts } from "@event-hub/local-stack/free-port";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  subscribeToPublishedEvents,
  type PublishedEvent as Received,
  type PublishedEventsSubscription,
} from "@event-hub/sync-worker/testing/published-events";
import { startSyncReplica } from "./sync-replica.ts";

// Two sync-worker processes; a Connector's messageBrokerPublisher (played by the test: a topic it
// publishes to in the Connector's form) feeds a subscription registered while they run. Only the
// Connector's lease owner consumes it; when that replica stops, or is SIGKILLed, the other takes over.
describe("sync-worker broker ingest", () => {
  const topicName = uniqueName("events");
  const hubSubscription = uniqueName("sub");
  const brokerTopic = uniqueName("broker");
  const brokerSubscription = uniqueName("broker-sub");
  const connectorId = uniqueName("con");
  const replicaIds = [uniqueName("replica"), uniqueName("replica")];
  const received: Received[] = [];
  let ports: number[] = [];
  let db: pg.Client;
  let pubsub: PubSub;
  let replicas: Child[] = [];
  let hubEvents: PublishedEventsSubscription | undefined;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID,
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
    });
    hubEvents = await subscribeToPublishedEvents(
      pubsub,
      { topic: topicName, subscription: hubSubscription },
      (published) => received.push(published),
    );
    await ensureTopic(pubsub, brokerTopic);
    await ensureSubscription(pubsub, brokerTopic, brokerSubscription);
    ports = await findFreePorts(2);
    replicas = await Promise.all(
      ports.map((port, i) =>
        startSyncReplica({
          port,
          replicaId: replicaIds[i] ?? "",
          topic: topicName,
          subscription: hubSubscription,
          env: { BROKER_REFRESH_MS: "200" },
        }),
      ),
    );
    await db.query(
      `INSERT INTO connectors (id, name, base_url, ingest_key_hash, sync_interval_seconds)
       VALUES ($1, $1, 'http://127.0.0.1:9', $2, 3600)`,
      [connectorId, randomBytes(32).toString("hex")],
    );
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await hubEvents?.close();
    await pubsub?.close();
    await db?.end();
  });

  const leaseOwner = async () =>
    (
      await db.query<{ lease_owner: string | null }>(
        `SELECT lease_owner FROM connector_sync_state WHERE connector_id = $1 AND lease_expires_at > now()`,
        [connectorId],
      )
    ).rows[0]?.lease_owner ?? undefined;
  /** hub_broker_subscriptions_consumed of each replica (undefined when it does not answer). */
  const consumed = async () =>
    await Promise.all(
      ports.map(async (port) => {
        const text = await fetch(`http://127.0.0.1:${port}/metrics`)
          .then((r) => r.text())
          .catch(() => "");
        const match = /^hub_broker_subscriptions_consumed\S* (\d+)/m.exec(text);
        return match ? Number(match[1]) : undefined;
      }),
    );
  /** Publishes {n} for n in [from, to) as the Connector's publisher does, `gapMs` apart. */
  const publishLikeConnector = (from: number, to: number, gapMs = 0) =>
    (async () => {
      const topic = pubsub.topic(brokerTopic);
      for (let n = from; n < to; n++) {
        await topic.publishMessage({
          data: Buffer.from(JSON.stringify({ n })),
          attributes: { namespace: "transport.messageReceived" },
        });
        if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    })();
  /** The numbers received, each event id once (a redelivery after a handover repeats its id). */
  const numbers = () => {
    const seen = new Set<string>();
    return received
      .filter((r) => r.event.connectorId === connectorId && !seen.has(r.event.id) && seen.add(r.event.id))
      .map((r) => (r.event.data as { n: number }).n);
  };

  it("consumes a subscription registered while running, on the lease owner only", async () => {
    await expect.poll(leaseOwner, { timeout: 30_000 }).toBeDefined();
    expect(await consumed()).toStrictEqual([0, 0]);
    await db.query(`UPDATE connectors SET broker_subscription = $2 WHERE id = $1`, [
      connectorId,
      brokerSubscription,
    ]);
    const owner = (await leaseOwner()) ?? "";
    const expected = replicaIds.map((id) => (id === owner ? 1 : 0));
    await expect.poll(consumed, { timeout: 30_000 }).toStrictEqual(expected);

    await publishLikeConnector(0, 10);
    await expect.poll(() => numbers().length, { timeout: 20_000 }).toBe(10);
    // In order: the consumer reads one stream and accepts one message at a time, and the emulator
    // hands a single stream its messages in publish order (Pub/Sub promises that only per key).
    expect(numbers()).toStrictEqual(Array.from({ length: 10 }, (_, n) => n));
    const first = received.find((r) => r.event.connectorId === connectorId) as Received;
    expect(first.orderingKey).toBe(connectorId);
    expect(first.attributes).toMatchObject({
      "ce-specversion": "1.0",
      "ce-type": "transport.messageReceived",
      "ce-source": `connectors/${connectorId}`,
      namespace: "transport.messageReceived",
      connectorId,
    });
    expect(first.attributes.correlationId).toBeUndefined();
  });

  it("hands over without losing a message when the owner shuts down mid-stream (a rolling update)", async () => {
    const owner = (await leaseOwner()) ?? "";
    const leaving = replicaIds.indexOf(owner);
    const taking = replicaIds[1 - leaving];
    const publishing = publishLikeConnector(10, 40, 50);
    await expect.poll(() => numbers().length, { timeout: 20_000 }).toBeGreaterThan(15);
    await replicas[leaving]?.stop(); // SIGTERM: releases the lease, closes the stream, nacks the rest
    await expect.poll(leaseOwner, { timeout: 30_000, interval: 100 }).toBe(taking);
    await publishing;
    await expect.poll(() => numbers().length, { timeout: 30_000 }).toBe(40);
    expect(numbers().toSorted((x, y) => x - y)).toStrictEqual(Array.from({ length: 40 }, (_, n) => n));

    // Two replicas again, for the crash below.
    const [port] = await findFreePorts(1);
    ports[leaving] = port ?? 0;
    replicaIds[leaving] = uniqueName("replica");
    replicas[leaving] = await startSyncReplica({
      port: port ?? 0,
      replicaId: replicaIds[leaving] ?? "",
      topic: topicName,
      subscription: hubSubscription,
      env: { BROKER_REFRESH_MS: "200" },
    });
  });

  it("moves to the other replica when the owner is SIGKILLed", async () => {
    const owner = (await leaseOwner()) ?? "";
    const victim = replicaIds.indexOf(owner);
    const survivor = replicaIds[1 - victim];
    replicas[victim]?.kill("SIGKILL");
    const killedAt = Date.now();
    await expect.poll(leaseOwner, { timeout: 30_000, interval: 100 }).toBe(survivor);
    await expect.poll(async () => (await consumed())[1 - victim], { timeout: 30_000 }).toBe(1);
    console.log(
      `broker handover: the survivor consumes ${Date.now() - killedAt} ms after SIGKILL (lease 3 s)`,
    );

    // The survivor receives what the Connector publishes next. Not all of it promptly, and so no
    // "nothing lost" here: the emulator as shipped never drops the streams of a subscriber that died
    // without closing them (measured: it still routed messages to them 3 minutes after a SIGKILL), so
    // each message it hands there comes back only after the 10 s ack deadline, maybe several times
    // over (the local stack patches that when a JDK is at hand: the dispatcher's README, "A Connector
    // that stops after a SIGKILL"). Pub/Sub ends a stream whose connection drops. The graceful
    // handover above shows no loss.
    const publishedAt = Date.now();
    await publishLikeConnector(40, 50);
    await expect.poll(() => numbers().length, { timeout: 30_000 }).toBeGreaterThan(40);
    console.log(
      `broker handover: the first message after the SIGKILL arrived in ${Date.now() - publishedAt} ms`,
    );
  });
});
