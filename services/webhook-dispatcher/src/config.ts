import {
  databaseSettings,
  httpSettings,
  loadConfig,
  loggingSettings,
  pubsubSettings,
  secretsSettings,
  shutdownSettings,
} from "@event-hub/shared";
import { Type, type Static } from "typebox";

/** Every variable webhook-dispatcher reads; docs/configuration.md is generated from these schemas. */
export const dispatcherConfigSchema = Type.Object({
  ...httpSettings(8082),
  ...loggingSettings,
  ...databaseSettings,
  ...pubsubSettings,
  ...secretsSettings,
  ...shutdownSettings,
  PUBSUB_SUBSCRIPTION: Type.String({
    default: "webhook-dispatcher",
    description: "Subscription on PUBSUB_TOPIC that the dispatcher pulls.",
  }),
  CONSUMER_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    default: 100,
    description: "Flow control: Pub/Sub messages being stored at once.",
  }),
  DELIVERY_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 50,
    description: "Deliveries in flight at once in this process, over all destinations.",
  }),
  DELIVERY_POLL_INTERVAL_MS: Type.Integer({
    minimum: 10,
    default: 500,
    description: "How often idle delivery workers look for due deliveries (new events wake them at once).",
  }),
  DELIVERY_LEASE_SECONDS: Type.Integer({
    minimum: 5,
    default: 60,
    description: "A claimed delivery is due again after this long if its worker died.",
  }),
  DELIVERY_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 15000,
    description: "Default timeout of one webhook request.",
  }),
  SSRF_ALLOW: Type.Array(Type.String(), {
    default: [],
    description:
      "CIDRs or host names that destinations may reach although private, loopback or reserved (comma-separated; development and tests).",
  }),
  WORKER_ID: Type.String({
    default: "",
    description:
      "Name this process writes as the owner of the deliveries it claims (empty: host name and pid).",
  }),
});

export type DispatcherConfig = Static<typeof dispatcherConfigSchema>;

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return loadConfig(dispatcherConfigSchema, env);
}
