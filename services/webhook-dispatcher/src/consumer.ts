import { decodeEvent, matchesAnyTrigger, withTransaction, type HubEvent } from "@event-hub/shared";
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
 * Events of one Connector (one ordering key) are committed in the order Pub/Sub hands them over,
 * which is the order ordered destinations deliver them in.
 */
export function startConsumer(pubsub: PubSub, options: ConsumerOptions, deps: ConsumerDeps): Subscription {
  const subscription = pubsub.subscription(options.subscriptionName, {
    flowControl: { maxMessages: options.maxMessages, allowExcessMessages: false },
  });
  const tails = new Map<string, Promise<void>>();
  subscription.on("message", (message: Message) => {
    const key = message.orderingKey || message.attributes.connectorId || "";
    const previous = tails.get(key) ?? Promise.resolve();
    const done = handleMessage(message, deps, previous);
    // The next message of this key waits for this one's commit (and, through it, every earlier one).
    const tail = Promise.all([previous, done]).then(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
  });
  subscription.on("error", (error) =>
    deps.logger.error({ err: error }, "subscription error; the client reconnects"),
  );
  return subscription;
}

async function handleMessage(message: Message, deps: ConsumerDeps, previous: Promise<void>): Promise<void> {
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
    const destinationIds = await matchDestinations(deps.db, event);
    await previous;
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

/** Enabled destinations whose Connector scope and trigger patterns take this event. */
async function matchDestinations(db: Pool, event: HubEvent): Promise<string[]> {
  const candidates = await findDestinationsForConnector(db, event.connectorId);
  return candidates.filter((d) => matchesAnyTrigger(d.triggers, event.trigger)).map((d) => d.id);
}
