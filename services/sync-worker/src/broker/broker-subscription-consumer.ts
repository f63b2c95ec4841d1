import { openHealingSubscription } from "@event-hub/shared";
import { Duration, type Message, type PubSub } from "@google-cloud/pubsub";
import { acceptEvent, type EventAcceptorDeps } from "../ingest/event-acceptor.ts";
import { toHubEvent, type BrokerSource } from "./broker-message.ts";
import type { RecentlyAccepted } from "./recently-accepted.ts";

export type BrokerConsumerDeps = EventAcceptorDeps & {
  pubsub: PubSub;
  recent: RecentlyAccepted;
  /** Flow control: most unacked messages held at once. */
  maxMessages: number;
  /** How long stop() waits for the message in hand before its lease is given back. */
  stopTimeoutMs: number;
  /** SUBSCRIPTION_WATCHDOG_SECONDS in ms (default 30 s). */
  watchdogMs?: number;
};

export type BrokerOutcome = "accepted" | "duplicate" | "undecodable";

export type BrokerConsumer = { stop(): Promise<void> };

/**
 * Consumes one Connector's broker subscription. Messages are accepted one at a time in the order
 * they arrive, so the events topic (ordering key = Connector id) gets them in that order. A message
 * is acked only after it was accepted (published, or in the outbox); when that fails it is nacked
 * and so is every message received before the failure was known, so none overtakes it.
 * The subscription is the Connector operator's: when it is gone the consumer waits for it (logged,
 * never re-created by the hub) and resumes, and a quiet stream is checked (healing-subscription.ts).
 */
export function startBrokerConsumer(deps: BrokerConsumerDeps, source: BrokerSource): BrokerConsumer {
  let received = 0;
  let nackThrough = 0;
  let isStopping = false;
  let tail: Promise<void> = Promise.resolve();

  const settle = async (message: Message, sequence: number): Promise<void> => {
    if (isStopping || sequence <= nackThrough) {
      message.nack();
      return;
    }
    try {
      const outcome = await handleBrokerMessage(deps, source, message);
      message.ack();
      deps.metrics.brokerMessages.inc({ outcome });
    } catch (error) {
      nackThrough = received;
      message.nack();
      deps.metrics.brokerMessages.inc({ outcome: "failed" });
      deps.logger.warn(
        { err: error, messageId: message.id, ...source },
        "broker message not accepted; nacked for redelivery",
      );
    }
  };

  const subscription = openHealingSubscription(
    deps.pubsub,
    {
      name: source.subscription,
      streamOptions: {
        flowControl: { maxMessages: deps.maxMessages, allowExcessMessages: false },
        // One stream, not the client's five: a Connector publishes little, a replica may hold hundreds
        // of Connectors, and messages without an ordering key arrive closer to publish order on one.
        streamingOptions: { maxStreams: 1 },
        closeOptions: { behavior: "WAIT", timeout: Duration.from({ milliseconds: deps.stopTimeoutMs }) },
      },
      onMessage: (message: Message) => {
        const sequence = ++received;
        tail = tail.then(() => settle(message, sequence));
      },
      watchdogMs: deps.watchdogMs ?? 30_000,
      callTimeoutMs: deps.stopTimeoutMs,
    },
    deps.logger.child({ connectorId: source.connectorId }),
  );
  return {
    async stop() {
      isStopping = true;
      // Stops the stream at once, waits for the message in hand to be acked, nacks what is left.
      await subscription.close();
      await tail;
    },
  };
}

/**
 * Accepts one broker message as a hub event. Resolves with what became of it; rejects when neither
 * Pub/Sub nor the outbox took it (the caller nacks). An undecodable message can never become an
 * event: it is logged with its id and resolved as "undecodable", to be acked.
 */
export async function handleBrokerMessage(
  deps: Omit<BrokerConsumerDeps, "pubsub" | "maxMessages" | "stopTimeoutMs" | "watchdogMs">,
  source: BrokerSource,
  message: Message,
): Promise<BrokerOutcome> {
  if (deps.recent.has(source.subscription, message.id)) return "duplicate";
  const result = toHubEvent(message, source);
  if (!result.ok) {
    deps.logger.error(
      { messageId: message.id, ...source, reason: result.reason },
      "broker message cannot become an event; acked and dropped",
    );
    return "undecodable";
  }
  const { event } = result;
  await acceptEvent(deps, {
    id: event.id,
    connectorId: event.connectorId,
    trigger: event.trigger,
    message: result.message,
  });
  deps.recent.add(source.subscription, message.id);
  return "accepted";
}
