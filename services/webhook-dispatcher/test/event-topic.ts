import { createPubSub, encodeEvent, ensureSubscription, ensureTopic, newId } from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import { uniqueName } from "@event-hub/local-stack/test-names";

/** A Pub/Sub client on the run's emulator. */
export function createTestPubSub(): PubSub {
  return createPubSub({
    projectId: process.env.PUBSUB_PROJECT_ID ?? "",
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
  });
}

export type EventTopic = { topicName: string; subscriptionName: string; topic: Topic };

/**
 * A hub topic and the dispatcher's ordered subscription on it, of their own. The ack deadline is
 * short (10 s), so messages pulled but not stored before a kill come back soon.
 */
export async function createEventTopic(pubsub: PubSub): Promise<EventTopic> {
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("dispatcher");
  await ensureTopic(pubsub, topicName);
  await ensureSubscription(pubsub, topicName, subscriptionName, {
    enableMessageOrdering: true,
    ackDeadlineSeconds: 10,
  });
  return { topicName, subscriptionName, topic: pubsub.topic(topicName, { messageOrdering: true }) };
}

export type TestEvent = { connectorId: string; trigger: string; data?: unknown; correlationId?: string };

/** Publishes a hub event as sync-worker does (data `{}` unless given); returns its new id. */
export async function publishTestEvent(topic: Topic, input: TestEvent): Promise<string> {
  const id = newId("evt");
  const encoded = encodeEvent({ id, time: new Date().toISOString(), data: input.data ?? {}, ...input });
  if (!encoded.ok) throw new Error(encoded.reason);
  await topic.publishMessage(encoded.message);
  return id;
}
