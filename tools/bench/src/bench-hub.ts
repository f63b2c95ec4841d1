import { randomBytes } from "node:crypto";
import { provisionEmulator } from "@event-hub/local-stack/hub-pubsub";
import type { PubSubEmulator } from "@event-hub/local-stack/pubsub-emulator";
import { startServices, type RunningServices } from "@event-hub/local-stack/services";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createHubApi, type HubApi } from "./hub-api.ts";

/**
 * The three services as `make up` starts them (startServices, default settings) on the run's
 * database and a topic of its own, provisioned first as `make up` does. Only LOG_LEVEL=warn is set
 * (a user's choice under load: info logs a line per request); anything else a user sets for load
 * (e.g. DELIVERY_CONCURRENCY) comes from the environment the bench runs in, and the table says so.
 */

export type BenchHub = {
  services: RunningServices;
  api: HubApi;
  topicName: string;
  /** Stops the dispatcher for the rest of the run, so that ingest is measured alone (run last). */
  pauseDispatcher(): Promise<void>;
  stop(): Promise<void>;
};

/** Variables the run's services read that a user may set for load; the table's header names them. */
export const LOAD_SETTINGS = ["DELIVERY_CONCURRENCY", "CONSUMER_MAX_MESSAGES", "CONSUMER_MAX_BYTES"] as const;
export const SERVICE_LOG_LEVEL = "warn";

export async function startBenchHub(emulator: PubSubEmulator, databaseUrl: string): Promise<BenchHub> {
  const adminKey = `admin-${randomBytes(24).toString("base64url")}`;
  const names = {
    PUBSUB_TOPIC: uniqueName("bench-events"),
    PUBSUB_SUBSCRIPTION: uniqueName("bench-dispatcher"),
  };
  await provisionEmulator(emulator, names);
  const services = await startServices({
    env: {
      DATABASE_URL: databaseUrl,
      PUBSUB_EMULATOR_HOST: emulator.host,
      PUBSUB_PROJECT_ID: emulator.projectId,
      SECRETS_KEY: randomBytes(32).toString("base64"),
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: SERVICE_LOG_LEVEL,
    },
    extraEnv: names,
    ports: "free",
    quiet: true,
    readyTimeoutMs: 120_000, // a loaded shared machine can be slow to start three services
  });
  const dispatcher = () => services.children()["webhook-dispatcher"];
  return {
    services,
    api: createHubApi(services.urls.apiGateway, adminKey),
    topicName: names.PUBSUB_TOPIC,
    pauseDispatcher: async () => void (await dispatcher().stop()),
    stop: () => services.stop(),
  };
}
