import { createPubSub, ensureTopic, hubPubSubLayout, provisionHubPubSub } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "@event-hub/local-stack/free-port";
import { startPubSub, type PubSubEmulator } from "@event-hub/local-stack/pubsub-emulator";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { postIngestEvent, registerConnectorWithWebhook, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// Issue 13: after a Pub/Sub emulator restart (every topic and subscription lost) the dispatcher
// never consumed again with /ready 200, and sync-worker relayed its outbox into a topic without the
// dispatcher's subscription: those events were lost. Here the emulator is the test's own, stopped
// and started again on its port with nothing in it; no one provisions but the running services.
describe("the hub when the Pub/Sub emulator restarts and loses its state", () => {
  const projectId = "emulator-restart";
  const connectorId = uniqueName("restart");
  let port: number;
  let emulator: PubSubEmulator;
  let hub: TestHub;
  let receiver: Receiver;
  let ingest: IngestEndpoint;
  const startEmulator = () =>
    startPubSub({ projectId, port, env: { ...process.env, PUBSUB_EMULATOR_HOST: undefined } });

  beforeAll(async () => {
    port = await findFreePort();
    emulator = await startEmulator();
    receiver = await startReceiver();
    hub = await startHub({
      emulator: { host: emulator.host, projectId },
      extraEnv: {
        SUBSCRIPTION_WATCHDOG_SECONDS: "2",
        PUBLISH_TIMEOUT_MS: "1000",
        OUTBOX_RELAY_INTERVAL_MS: "200",
        DELIVERY_POLL_INTERVAL_MS: "100",
      },
    });
    ingest = await registerConnectorWithWebhook(hub.api, { id: connectorId, name: "Restart" }, receiver.url);
  });

  afterAll(async () => {
    await hub?.services.stop();
    await receiver?.close();
    await emulator?.stop();
  });

  const postMany = (from: number, count: number) => postEvents(ingest, from, count);
  const delivered = () => new Set(receiver.received.map((request) => String(request.headers["webhook-id"])));
  const undelivered = (ids: string[]) => ids.filter((id) => !delivered().has(id));

  it("delivers every event accepted before, during and after the restart, without restarting a service", async () => {
    const before = await postMany(0, 10);
    await expect.poll(() => undelivered(before), { timeout: 30_000 }).toStrictEqual([]);

    await emulator.stop();
    const during = await postMany(10, 10); // the outbox takes them
    emulator = await startEmulator(); // same port, no topics, no subscriptions
    const after = await postMany(20, 10);

    await expect.poll(() => undelivered([...during, ...after]), { timeout: 90_000 }).toStrictEqual([]);
    for (const child of Object.values(hub.services.children())) {
      expect(child.isRunning(), child.outputTail()).toBe(true);
    }
    for (const url of Object.values(hub.services.urls)) {
      await expect.poll(async () => (await fetch(`${url}/ready`)).status, { timeout: 30_000 }).toBe(200);
    }
  });
});

// Where Terraform owns Pub/Sub (PUBSUB_PROVISION=false) and re-creates it in steps, topic first:
// nothing may be published while the topic exists without the dispatcher's subscription.
describe("the hub when Pub/Sub comes back with the topic but not yet the subscriptions", () => {
  const projectId = "emulator-restart-terraform";
  const connectorId = uniqueName("terraform");
  const names = {
    PUBSUB_TOPIC: uniqueName("events"),
    PUBSUB_SUBSCRIPTION: uniqueName("dispatcher"),
    AUTOMATIONS_SUBSCRIPTION: "",
    OPERATIONS_TOPIC: uniqueName("operations"),
  };
  const layout = hubPubSubLayout(names);
  let port: number;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let hub: TestHub;
  let receiver: Receiver;
  let post: (from: number, count: number) => Promise<string[]>;
  const startEmulator = async () => {
    emulator = await startPubSub({
      projectId,
      port,
      env: { ...process.env, PUBSUB_EMULATOR_HOST: undefined },
    });
    pubsub = createPubSub({ projectId, emulatorHost: emulator.host });
  };

  beforeAll(async () => {
    port = await findFreePort();
    await startEmulator();
    await provisionHubPubSub(pubsub, layout); // terraform apply
    receiver = await startReceiver();
    hub = await startHub({
      emulator: { host: emulator.host, projectId },
      extraEnv: {
        ...names,
        PUBSUB_PROVISION: "false",
        SUBSCRIPTION_WATCHDOG_SECONDS: "2",
        PUBLISH_TIMEOUT_MS: "1000",
        OUTBOX_RELAY_INTERVAL_MS: "200",
        DELIVERY_POLL_INTERVAL_MS: "100",
      },
    });
    const ingest = await registerConnectorWithWebhook(hub.api, { id: connectorId, name: "TF" }, receiver.url);
    post = (from, count) => postEvents(ingest, from, count);
  });

  afterAll(async () => {
    await hub?.services.stop();
    await receiver?.close();
    await pubsub?.close();
    await emulator?.stop();
  });

  const undelivered = (ids: string[]) => {
    const delivered = new Set(receiver.received.map((request) => String(request.headers["webhook-id"])));
    return ids.filter((id) => !delivered.has(id));
  };
  const syncWorkerReady = async () => {
    const response = await fetch(`${hub.services.urls.syncWorker}/ready`);
    const body = (await response.json()) as { reasons?: Record<string, string> };
    return { status: response.status, reasons: body.reasons };
  };

  it(
    "holds every event until the subscriptions exist again, then delivers all of them",
    { timeout: 180_000 },
    async () => {
      const before = await post(0, 10);
      await expect.poll(() => undelivered(before), { timeout: 30_000 }).toStrictEqual([]);

      await pubsub.close();
      await emulator.stop();
      const during = await post(10, 10);
      await startEmulator();
      await ensureTopic(pubsub, names.PUBSUB_TOPIC); // the topic is back, its subscriptions not yet
      const topicOnly = await post(20, 10);
      // Soft: without the guard this fails, and the test goes on to show which events were lost.
      const heldReason = await lastValueUntil(
        async () => (await syncWorkerReady()).reasons?.publishing ?? "",
        (reason) => reason.includes(names.PUBSUB_SUBSCRIPTION),
      );
      expect.soft(heldReason).toContain(names.PUBSUB_SUBSCRIPTION);
      const held = await post(30, 5);

      await provisionHubPubSub(pubsub, layout); // terraform apply, the rest
      await expect
        .poll(() => undelivered([...during, ...topicOnly, ...held]), { timeout: 60_000 })
        .toStrictEqual([]);
      await expect.poll(async () => (await syncWorkerReady()).status, { timeout: 30_000 }).toBe(200);
    },
  );
});

/** Posts events as a Connector's webhooks module does; every one must be accepted (202). */
async function postEvents(ingest: IngestEndpoint, from: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n < from + count; n++) {
    ids.push(await postIngestEvent(ingest, { trigger: "transport.messageReceived", data: { n } }));
  }
  return ids;
}

/** Polls `read` until `isDone` holds or `timeoutMs` passed; returns the last value read. */
async function lastValueUntil<T>(read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!isDone(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
