import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** sync-worker's Prometheus metrics, registered on the service's registry (served at /metrics). */
export type SyncWorkerMetrics = {
  eventsIngested: Counter<"trigger" | "connector" | "path">;
  publishSeconds: Histogram<"path">;
  outboxDepth: Gauge;
  outboxOldestAgeSeconds: Gauge;
  publishHeld: Gauge;
  syncs: Counter<"outcome">;
  syncSeconds: Histogram<"outcome">;
  leasesOwned: Gauge;
  automationActions: Counter<"automation" | "outcome">;
  brokerMessages: Counter<"outcome">;
  brokerSubscriptions: Gauge;
};

export function createSyncWorkerMetrics(registry: Registry): SyncWorkerMetrics {
  const registers = [registry];
  return {
    eventsIngested: new Counter({
      name: "hub_events_ingested_total",
      help: "Events accepted, by trigger (known Connector triggers; any other is `other`), Connector and path (pubsub: published at once; outbox: stored for the relay)",
      labelNames: ["trigger", "connector", "path"],
      registers,
    }),
    publishSeconds: new Histogram({
      name: "hub_publish_duration_seconds",
      help: "Time until Pub/Sub acked a publish (path ingest or relay)",
      labelNames: ["path"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    outboxDepth: new Gauge({
      name: "hub_outbox_events",
      help: "Events waiting in the ingest outbox",
      registers,
    }),
    outboxOldestAgeSeconds: new Gauge({
      name: "hub_outbox_oldest_age_seconds",
      help: "Age of the oldest event waiting in the ingest outbox (0 when empty)",
      registers,
    }),
    publishHeld: new Gauge({
      name: "hub_publish_held",
      help: "1 while publishing to the events topic is held because a required subscription is missing (events wait in the outbox)",
      registers,
    }),
    syncs: new Counter({
      name: "hub_syncs_total",
      help: "Connector syncs run by this replica, by outcome (success, error, timeout)",
      labelNames: ["outcome"],
      registers,
    }),
    syncSeconds: new Histogram({
      name: "hub_sync_duration_seconds",
      help: "Duration of POST …/Account/Sync",
      labelNames: ["outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    leasesOwned: new Gauge({
      name: "hub_sync_leases_owned",
      help: "Connectors whose sync lease this replica holds",
      registers,
    }),
    automationActions: new Counter({
      name: "hub_automation_actions_total",
      help: "Automation decisions, by automation and outcome",
      labelNames: ["automation", "outcome"],
      registers,
    }),
    brokerMessages: new Counter({
      name: "hub_broker_messages_total",
      help: "Messages of Connectors' broker subscriptions, by outcome (accepted, duplicate: accepted before and acked again, undecodable: acked and dropped, failed: nacked)",
      labelNames: ["outcome"],
      registers,
    }),
    brokerSubscriptions: new Gauge({
      name: "hub_broker_subscriptions_consumed",
      help: "Connectors' broker subscriptions this replica consumes",
      registers,
    }),
  };
}
