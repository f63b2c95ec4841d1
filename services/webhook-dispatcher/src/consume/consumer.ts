import {
  decodeEvent,
  openHealingSubscription,
  storeEventsWithDeliveries,
  withTransaction,
  type HealingSubscription,
  type HubEvent,
} from "@event-hub/shared";
import type { Message, PubSub } from "@google-cloud/pubsub";
import type { Pool, PoolClient } from "pg";
import type { Logger } from "pino";
import { createBatchCollector } from "../batch-collector.ts";
import { consumerStreamOptions } from "./consumer-flow-control.ts";
import { routeEvents } from "./event-routing.ts";
import { findRoutesForConnectors } from "./destination-routes.ts";

export type ConsumerDeps = {
  db: Pool;
  logger: Logger;
  /** Called after new deliveries were committed, so idle delivery workers start at once. */
  onDeliveriesStored: () => void;
};

export type ConsumerOptions = {
  subscriptionName: string;
  /** Flow control (messages not yet acked) and the largest batch stored in one transaction. */
  maxMessages: number;
  /** Flow control by size: bytes of messages not yet acked (default: the client's, 100 MiB). */
  maxBytes?: number;
  /** How long a message waits for others to share its transaction (default 5 ms). */
  batchWaitMs?: number;
  /** Re-creates the subscription when it is gone (PUBSUB_PROVISION); absent: wait for an operator. */
  provision?: (() => Promise<void>) | undefined;
  /** Quiet time after which the subscription is checked (SUBSCRIPTION_WATCHDOG_SECONDS; default 30 s). */
  watchdogMs?: number;
};

type Received = { message: Message; event: HubEvent };

/**
 * Pulls the events topic and turns events into stored deliveries. Messages that arrive together
 * are stored in one transaction (bounded by `maxMessages`), acked only after it committed and
 * nacked when it failed, so Pub/Sub keeps them until they are safe. Batches are stored one after
 * another in arrival order, so events of one Connector (one ordering key) are stored in the order
 * Pub/Sub hands them over, which is the order ordered destinations deliver them in. A lost or
 * silent subscription is reopened (healing-subscription.ts); its `readiness` feeds /ready.
 */
export function startConsumer(
  pubsub: PubSub,
  options: ConsumerOptions,
  deps: ConsumerDeps,
): HealingSubscription {
  const collector = createBatchCollector<Received>((batch) => storeBatch(batch, deps), {
    maxItems: options.maxMessages,
    maxWaitMs: options.batchWaitMs ?? 5,
  });
  return openHealingSubscription(
    pubsub,
    {
      name: options.subscriptionName,
      streamOptions: consumerStreamOptions(options),
      onMessage: (message: Message) => {
        const event = decodeOrDrop(message, deps.logger);
        if (event) collector.add({ message, event });
      },
      provision: options.provision,
      watchdogMs: options.watchdogMs ?? 30_000,
    },
    deps.logger,
  );
}

function decodeOrDrop(message: Message, logger: Logger): HubEvent | undefined {
  const decoded = decodeEvent({ data: message.data, attributes: message.attributes, id: message.id });
  if (decoded.ok && decoded.event.id) return decoded.event;
  // Not an event of ours (nothing can deliver it): keep it visible in the logs, do not loop on it.
  logger.error(
    { messageId: message.id, reason: decoded.ok ? "no event id" : decoded.reason },
    "undeliverable message acked",
  );
  message.ack();
  return undefined;
}

/**
 * One transaction for the batch; if it fails, each message is tried alone (in order), so one
 * event that cannot be stored is nacked without holding back the others.
 */
async function storeBatch(batch: Received[], deps: ConsumerDeps): Promise<void> {
  try {
    await storeTogether(batch, deps);
  } catch (error) {
    const [first] = batch;
    if (batch.length === 1 && first) return nackUnstored(first, error, deps.logger);
    deps.logger.warn({ err: error, events: batch.length }, "storing a batch failed; storing one by one");
    await storeOneByOne(batch, deps);
  }
}

async function storeTogether(batch: Received[], deps: ConsumerDeps): Promise<void> {
  const created = await withTransaction(deps.db, (client) => storeEvents(client, batch));
  for (const { message } of batch) message.ack();
  deps.logger.debug({ events: batch.length, deliveries: created }, "events stored");
  if (created > 0) deps.onDeliveriesStored();
}

/**
 * Once an event of a Connector could not be stored, its later events in the batch are nacked too:
 * stored, they would take lane places (`deliveries.seq`) ahead of it. Pub/Sub redelivers them after
 * the nacked one (same ordering key).
 */
async function storeOneByOne(batch: Received[], deps: ConsumerDeps): Promise<void> {
  const heldConnectors = new Set<string>();
  for (const received of batch) {
    const { connectorId, id: eventId } = received.event;
    if (heldConnectors.has(connectorId)) {
      deps.logger.warn({ eventId, connectorId }, "an earlier event of its Connector was not stored; nacked");
      received.message.nack();
      continue;
    }
    try {
      await storeTogether([received], deps);
    } catch (error) {
      nackUnstored(received, error, deps.logger);
      heldConnectors.add(connectorId);
    }
  }
}

function nackUnstored(received: Received, error: unknown, logger: Logger): void {
  const { id: eventId, connectorId } = received.event;
  logger.error({ err: error, eventId, connectorId }, "storing the event failed; nacked for redelivery");
  received.message.nack();
}

/** Destinations looked up once for the batch, matched per event, then stored. */
async function storeEvents(client: PoolClient, batch: Received[]): Promise<number> {
  const events = batch.map((received) => received.event);
  const connectorIds = [...new Set(events.map((event) => event.connectorId))];
  const routes = await findRoutesForConnectors(client, connectorIds);
  return storeEventsWithDeliveries(client, events, routeEvents(events, routes));
}
