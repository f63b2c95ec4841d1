import { Type } from "typebox";

/** The sync scheduler's settings (part of sync-worker's config schema). */
export const syncSettings = {
  SYNC_ENABLED: Type.Boolean({
    default: true,
    description: "Run the sync scheduler (POST …/Account/Sync for every enabled Connector)",
  }),
  SYNC_TICK_MS: Type.Integer({
    minimum: 50,
    default: 1000,
    description:
      "How often the scheduler renews its leases and looks for due syncs (a NOTIFY wakes it at once)",
  }),
  SYNC_LEASE_SECONDS: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      "How long a replica's lease on a Connector lasts without renewal; another replica takes the Connector over after it",
  }),
  SYNC_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 20000,
    description: "Timeout of one POST …/Account/Sync (must be below SYNC_LEASE_SECONDS; checked at start)",
  }),
  SYNC_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 8,
    description: "Most Connectors this replica syncs at once",
  }),
  SYNC_JITTER_RATIO: Type.Number({
    minimum: 0,
    maximum: 0.5,
    default: 0.1,
    description: "Each wait is scaled by a random factor in [1 - ratio, 1 + ratio]",
  }),
  SYNC_BACKOFF_MAX_SECONDS: Type.Integer({
    minimum: 1,
    default: 900,
    description: "Cap of the exponential backoff after failed syncs",
  }),
  SYNC_REPLICA_ID: Type.String({
    default: "",
    description: "This replica's name in the lease columns; empty = hostname, process id and a random suffix",
  }),
};

/** Settings of the Connector automations (autoAcceptPendingRelationships). */
export const automationSettings = {
  AUTOMATIONS_ENABLED: Type.Boolean({
    default: true,
    description:
      "Consume the events topic for the per-Connector automations (autoAcceptPendingRelationships)",
  }),
  AUTOMATIONS_SUBSCRIPTION: Type.String({
    default: "",
    description:
      "Subscription on the events topic the automations consume; empty = <PUBSUB_TOPIC>-sync-worker-automations",
  }),
  CONNECTOR_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: "Timeout of the automations' calls to a Connector's REST API",
  }),
};

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
