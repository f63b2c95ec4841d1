import { randomBytes } from "node:crypto";
import type { createPubSub } from "@event-hub/shared";
import { ensureSubscription, ensureTopic } from "@event-hub/shared";
import { encodedEvent } from "./bench-event.ts";
import { throughput, type Throughput } from "./throughput.ts";

/**
 * The emulator's ceilings at its best settings, with the hub's ~1 KB messages: a publisher that
 * batches up to 1,000 messages and keeps every batch outstanding at once (no ordering keys, which
 * serialise a key's batches), and publish → StreamingPull pass-through with acks sent at once and
 * flow control wide open.
 */

type PubSub = ReturnType<typeof createPubSub>;

const BATCHING = { maxMessages: 1000, maxMilliseconds: 10, maxBytes: 9 * 1024 * 1024 };
const SETTING = `batches of ≤ ${BATCHING.maxMessages}, all outstanding, unordered`;
const PULL_FLOW_CONTROL = { maxMessages: 20_000, maxBytes: 256 * 1024 * 1024 };

export async function measurePublishCeiling(pubsub: PubSub, count: number): Promise<Throughput> {
  const name = `bench-publish-${randomBytes(4).toString("hex")}`;
  await ensureTopic(pubsub, name);
  const topic = pubsub.topic(name, { batching: BATCHING });
  const message = encodedEvent("bench-ceiling", 0);
  await topic.publishMessage(message); // connection and channel warmed up
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: count }, () => topic.publishMessage(message)));
  const result = throughput(count, startedAt, performance.now(), SETTING);
  await topic.delete().catch(() => undefined);
  return result;
}

export async function measurePassThroughCeiling(
  pubsub: PubSub,
  count: number,
  deadlineMs: number,
): Promise<Throughput> {
  const name = `bench-pass-${randomBytes(4).toString("hex")}`;
  await ensureTopic(pubsub, name);
  await ensureSubscription(pubsub, name, name, { ackDeadlineSeconds: 60 });
  const topic = pubsub.topic(name, { batching: BATCHING });
  const subscription = pubsub.subscription(name, { flowControl: PULL_FLOW_CONTROL });
  let received = 0;
  let lastAt = 0;
  const allReceived = new Promise<void>((resolve) => {
    subscription.on("message", (message: { ack(): void }) => {
      message.ack();
      received += 1;
      lastAt = performance.now();
      if (received >= count) resolve();
    });
  });
  const message = encodedEvent("bench-ceiling", 0);
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: count }, () => topic.publishMessage(message)));
  await Promise.race([allReceived, new Promise((resolve) => setTimeout(resolve, deadlineMs))]);
  await subscription.close();
  await Promise.allSettled([pubsub.subscription(name).delete(), topic.delete()]);
  return throughput(received, startedAt, lastAt || performance.now(), `${SETTING}; pull acks at once`);
}
