import { isIP } from "node:net";
import { ConfigError, checkHttpTimeouts, loadConfig, serviceSettings } from "@event-hub/shared";
import { Type, type Static } from "typebox";
import { automationSettings } from "./config/automation-settings.ts";
import { brokerSettings } from "./config/broker-settings.ts";
import { ingestEdgeSettings } from "./config/ingest-edge-settings.ts";
import { syncSettings } from "./config/sync-settings.ts";

/** Every variable sync-worker reads; docs/configuration.md is generated from these schemas. */
export const syncWorkerConfigSchema = Type.Object({
  ...serviceSettings(8081),
  PUBLISH_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description:
      "How long ingest waits for Pub/Sub to acknowledge a publish before it stores the event in the outbox instead",
  }),
  PUBLISH_REQUIRED_SUBSCRIPTIONS: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "Subscriptions of PUBSUB_TOPIC that must exist before any event is published (comma-separated); while one is missing, events wait in the outbox. Empty = PUBSUB_SUBSCRIPTION (the dispatcher's) and, with AUTOMATIONS_ENABLED, the automations subscription",
  }),
  OUTBOX_RELAY_INTERVAL_MS: Type.Integer({
    minimum: 50,
    default: 1000,
    description: "Pause between outbox relay passes (each pass publishes what waits in ingest_outbox)",
  }),
  OUTBOX_RELAY_BATCH_SIZE: Type.Integer({
    minimum: 1,
    default: 500,
    description: "Most outbox events one relay transaction publishes",
  }),
  REGISTRY_REFRESH_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description:
      "How often the fallback copy of the Connectors' ingest credentials is reloaded (used only while Postgres is away)",
  }),
  ...ingestEdgeSettings,
  SSRF_ALLOW: Type.Array(Type.String(), {
    default: [],
    description:
      "CIDRs or host names of Connectors that syncs and automations may reach although private, loopback or reserved (comma-separated; e.g. Connectors on a private network, development and tests).",
  }),
  ...syncSettings,
  ...automationSettings,
  ...brokerSettings,
});

export type SyncWorkerConfig = Static<typeof syncWorkerConfigSchema>;

export function loadSyncWorkerConfig(env: NodeJS.ProcessEnv = process.env): SyncWorkerConfig {
  const config = loadConfig(syncWorkerConfigSchema, env);
  // A sync that may outlast the lease lets another replica start the same Connector's sync.
  if (config.SYNC_TIMEOUT_MS >= config.SYNC_LEASE_SECONDS * 1000) {
    throw new ConfigError(
      `SYNC_TIMEOUT_MS (${config.SYNC_TIMEOUT_MS}) must be below SYNC_LEASE_SECONDS (${config.SYNC_LEASE_SECONDS} s): a sync must end while its replica still holds the Connector's lease`,
    );
  }
  checkHttpTimeouts(config);
  const notAddress = config.TRUSTED_PROXIES.find((entry) => !isAddressOrCidr(entry));
  if (notAddress !== undefined) {
    throw new ConfigError(`TRUSTED_PROXIES item "${notAddress}" is not an IP address or CIDR`);
  }
  return config;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
