import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import { createPubSub, encodeEvent, ensureSubscription, ensureTopic, newId } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChild, type Child } from "../../tools/local-stack/src/child-process.ts";
import { findFreePort } from "../../tools/local-stack/src/free-port.ts";
import { REPO_ROOT } from "../../tools/local-stack/src/services.ts";
import { uniqueName } from "../../tools/local-stack/src/test-names.ts";
import { waitForHttp } from "../../tools/local-stack/src/wait-for-http.ts";
import {
  insertDestination,
  openTestDatabase,
  startHookReceiver,
  type HookReceiver,
} from "../../services/webhook-dispatcher/test/harness.ts";

// The dispatcher as a real process: killed with SIGKILL mid-run, and with one receiver down for a
// while. Events go from the topic to local receivers; nothing may be missing (counted by webhook-id).
describe("dispatch recovery", () => {
  let topicName = "";
  let subscriptionName = "";
  let db: Pool;
  let pubsub: PubSub;
  let topic: Topic;
  let dispatcher: Child | undefined;
  const receivers: HookReceiver[] = [];

  const startDispatcher = async (): Promise<Child> => {
    const port = await findFreePort();
    const child = await startChild({
      name: "webhook-dispatcher",
      command: process.execPath,
      args: [join("services", "webhook-dispatcher", "src", "main.ts")],
      cwd: REPO_ROOT,
      output: process.env.DISPATCH_TEST_LOG
        ? { kind: "file", path: process.env.DISPATCH_TEST_LOG }
        : { kind: "quiet" },
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: process.env.DISPATCH_TEST_LOG ? "debug" : "warn",
        SECRETS_KEY: randomBytes(32).toString("base64"),
        PUBSUB_TOPIC: topicName,
        PUBSUB_SUBSCRIPTION: subscriptionName,
        SSRF_ALLOW: "127.0.0.0/8,::1",
        DELIVERY_LEASE_SECONDS: "5",
        DELIVERY_POLL_INTERVAL_MS: "100",
        BREAKER_COOLDOWN_SECONDS: "1",
      },
    });
    const ready = await waitForHttp({
      url: `http://127.0.0.1:${port}/health`,
      isReady: (s) => s === 200,
      timeoutMs: 30_000,
      child,
    });
    if (!ready.isReady) throw new Error(`dispatcher did not start:\n${child.outputTail()}`);
    return child;
  };

  const publish = async (connectorId: string, count: number): Promise<string[]> => {
    const ids = Array.from({ length: count }, () => newId("evt"));
    await Promise.all(
      ids.map(async (id, i) => {
        const encoded = encodeEvent({
          id,
          connectorId,
          trigger: "transport.messageReceived",
          data: { i },
          time: new Date().toISOString(),
        });
        if (!encoded.ok) throw new Error(encoded.reason);
        await topic.publishMessage(encoded.message);
      }),
    );
    return ids;
  };

  const idsOf = (receiver: HookReceiver, okOnly = true) =>
    receiver.received.filter((r) => !okOnly || r.status === 200).map((r) => String(r.headers["webhook-id"]));

  beforeAll(async () => {
    db = await openTestDatabase();
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID ?? "",
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
    });
    await useNewTopic();
    dispatcher = await startDispatcher();
  });

  const useNewTopic = async (): Promise<void> => {
    topicName = uniqueName("events");
    subscriptionName = uniqueName("dispatcher");
    await ensureTopic(pubsub, topicName);
    // A short ack deadline, so messages pulled but not stored before the kill come back soon.
    await ensureSubscription(pubsub, topicName, subscriptionName, {
      enableMessageOrdering: true,
      ackDeadlineSeconds: 10,
    });
    topic = pubsub.topic(topicName, { messageOrdering: true });
  };

  afterAll(async () => {
    await dispatcher?.stop();
    for (const receiver of receivers) await receiver.close();
    await pubsub?.close();
    await db?.end();
  });

  it("delivers every one of 1,000 events at least once after a SIGKILL mid-run", async () => {
    const slow = await startHookReceiver();
    receivers.push(slow);
    slow.answer(() => ({ status: 200, delayMs: 20 }));
    await insertDestination(db, { config: { url: slow.url }, connectorIds: ["kill"], maxInFlight: 20 });

    const ids = await publish("kill", 1000);
    await slow.waitUntil((r) => r.length >= 150, 60_000);
    dispatcher?.kill("SIGKILL");
    await dispatcher?.exited;
    const atKill = slow.received.length;
    dispatcher = await startDispatcher();

    await slow.waitUntil((r) => new Set(r.map((x) => x.headers["webhook-id"])).size >= 1000, 90_000);
    const received = idsOf(slow);
    const missing = ids.filter((id) => !received.includes(id));
    const duplicates = received.length - new Set(received).size;
    console.log(
      `SIGKILL after ${atKill} of 1000 deliveries: missing ${missing.length}, duplicates ${duplicates} (in flight at the kill, redelivered after the lease)`,
    );
    expect(missing).toStrictEqual([]);
    expect(new Set(received)).toStrictEqual(new Set(ids));
  });

  it("gives a receiver that was down its whole backlog, while another kept receiving", async () => {
    const down = await startHookReceiver();
    const port = down.port;
    await down.close(); // connections are refused from now on
    const steady = await startHookReceiver();
    receivers.push(steady);
    await insertDestination(db, {
      config: { url: `http://127.0.0.1:${port}` },
      connectorIds: ["down"],
      retryScheduleSeconds: Array.from({ length: 30 }, () => 1),
    });
    await insertDestination(db, { config: { url: steady.url }, connectorIds: ["down"] });

    // A topic of its own: on the emulator, a subscription whose subscriber was SIGKILLed with ordered
    // messages outstanding stopped handing out new messages to the next one (seen here, not explained).
    await dispatcher?.stop();
    await useNewTopic();
    dispatcher = await startDispatcher();
    const started = Date.now();
    const ids = await publish("down", 300);
    await steady.waitUntil((r) => r.length >= 300, 30_000);
    const steadyMs = Date.now() - started;
    expect(new Set(idsOf(steady))).toStrictEqual(new Set(ids));

    const back = await startHookReceiver(port);
    receivers.push(back);
    const backAt = Date.now();
    await back.waitUntil(() => new Set(idsOf(back)).size >= 300, 40_000);
    expect(new Set(idsOf(back))).toStrictEqual(new Set(ids));
    console.log(
      `receiver down: the other got 300 events in ${steadyMs} ms meanwhile; the returning one got its backlog of 300 in ${Date.now() - backAt} ms`,
    );
  });
});
