import { decodeEvent, matchesAnyTrigger, withTransaction } from "@event-hub/shared";
import type { Message, PubSub, Subscription } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { findDestinationsForConnector } from "./store/destinations.ts";
import { storeEventWithDeliveries } from "./store/events.ts";

export type ConsumerDeps = {
  db: Pool;
  logger: Logger;
  /** Called after new deliveries were committed, so idle delivery workers start at once. */
  onDeliveriesStored: () => void;
};

export type ConsumerOptions = { subscriptionName: string; maxMessages: number };

/**
 * Pulls the events topic and turns each event into stored deliveries. A message is acked only
 * after the transaction committed, and nacked when it failed, so Pub/Sub keeps it until it is safe.
 */
export function startConsumer(pubsub: PubSub, options: ConsumerOptions, deps: ConsumerDeps): Subscription {
  const subscription = pubsub.subscription(options.subscriptionName, {
    flowControl: { maxMessages: options.maxMessages, allowExcessMessages: false },
  });
  subscription.on("message", (message: Message) => void handleMessage(message, deps));
  subscription.on("error", (error) =>
    deps.logger.error({ err: error }, "subscription error; the client reconnects"),
  );
  return subscription;
}

async function handleMessage(message: Message, deps: ConsumerDeps): Promise<void> {
  const decoded = decodeEvent({ data: message.data, attributes: message.attributes, id: message.id });
  if (!decoded.ok || !decoded.event.id) {
    // Not an event of ours (nothing can deliver it): keep it visible in the logs, do not loop on it.
    deps.logger.error(
      { messageId: message.id, reason: decoded.ok ? "no event id" : decoded.reason },
      "undeliverable message acked",
    );
    message.ack();
    return;
  }
  const event = decoded.event;
  try {
    const candidates = await findDestinationsForConnector(deps.db, event.connectorId);
    const destinationIds = candidates
      .filter((d) => matchesAnyTrigger(d.triggers, event.trigger))
      .map((d) => d.id);
    const created = await withTransaction(deps.db, (client) =>
      storeEventWithDeliveries(client, event, destinationIds),
    );
    message.ack();
    deps.logger.debug({ eventId: event.id, trigger: event.trigger, deliveries: created }, "event stored");
    if (created > 0) deps.onDeliveriesStored();
  } catch (error) {
    deps.logger.error({ err: error, eventId: event.id }, "storing the event failed; nacked for redelivery");
    message.nack();
  }
}
