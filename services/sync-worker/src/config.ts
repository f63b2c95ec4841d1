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

/** Every variable sync-worker reads; docs/configuration.md is generated from these schemas. */
export const syncWorkerConfigSchema = Type.Object({
  ...httpSettings(8081),
  ...loggingSettings,
  ...databaseSettings,
  ...pubsubSettings,
  ...secretsSettings,
  ...shutdownSettings,
  PUBLISH_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: "How long ingest waits for Pub/Sub to acknowledge a publish before answering 503.",
  }),
});

export type SyncWorkerConfig = Static<typeof syncWorkerConfigSchema>;

export function loadSyncWorkerConfig(env: NodeJS.ProcessEnv = process.env): SyncWorkerConfig {
  return loadConfig(syncWorkerConfigSchema, env);
}
