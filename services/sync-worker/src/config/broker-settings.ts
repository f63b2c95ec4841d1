import { Type } from "typebox";

/** Broker ingest: Connectors' own messageBrokerPublisher (type PubSub) → the events topic. */
export const brokerSettings = {
  BROKER_INGEST_ENABLED: Type.Boolean({
    default: true,
    description:
      "Consume connectors.broker_subscription of every enabled Connector whose sync lease this replica holds (every one when SYNC_ENABLED is false) and republish its messages normalised",
  }),
  BROKER_REFRESH_MS: Type.Integer({
    minimum: 50,
    default: 5000,
    description:
      "How often broker ingest re-reads the Connectors' broker subscriptions and this replica's leases (added, removed or changed subscriptions take effect then)",
  }),
  BROKER_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    default: 100,
    description: "Flow control: most unacknowledged messages held per broker subscription",
  }),
  BROKER_DEDUPE_MESSAGES: Type.Integer({
    minimum: 0,
    default: 100000,
    description:
      "How many accepted broker message ids this process remembers, so a redelivery of an accepted message is acked without publishing it again",
  }),
};
