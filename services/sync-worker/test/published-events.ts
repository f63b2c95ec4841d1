import { decodeEvent, ensureSubscription, ensureTopic, type HubEvent } from "@event-hub/shared";
import type { Message, PubSub } from "@google-cloud/pubsub";

/** An event sync-worker published to the hub topic, as a subscriber reads it. */
export type PublishedEvent = {
  event: HubEvent;
  orderingKey: string | undefined;
  attributes: Record<string, string>;
};

export type PublishedEventsSubscription = { close(): Promise<void> };

/**
 * Creates the hub topic and an ordered subscription on it, and hands every event published there in
 * the CloudEvents form to `onEvent` (each message is acked). `close()` stops the subscriber.
 */
export async function subscribeToPublishedEvents(
  pubsub: PubSub,
  names: { topic: string; subscription: string },
  onEvent: (published: PublishedEvent) => void,
): Promise<PublishedEventsSubscription> {
  await ensureTopic(pubsub, names.topic);
  await ensureSubscription(pubsub, names.topic, names.subscription, { enableMessageOrdering: true });
  const subscription = pubsub.subscription(names.subscription);
  subscription.on("message", (message: Message) => {
    message.ack();
    const decoded = decodeEvent(message);
    if (decoded.ok && decoded.form === "cloudevents") {
      onEvent({ event: decoded.event, orderingKey: message.orderingKey, attributes: message.attributes });
    }
  });
  return { close: () => subscription.close() };
}
