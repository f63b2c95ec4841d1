import { randomBytes } from "node:crypto";
import { startServices, type RunningServices, type StackEnv } from "@event-hub/local-stack/services";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createAdminApi, type AdminApi } from "./admin-api.ts";

/** The three services for one test file: the run's database and emulator, fresh keys, a topic of its own. */
export type TestHub = {
  env: StackEnv;
  services: RunningServices;
  /** api-gateway with the bootstrap admin key. */
  api: AdminApi;
};

export type StartHubOptions = {
  /** More variables for every service, e.g. a shorter poll interval. */
  extraEnv?: Record<string, string>;
  readyTimeoutMs?: number;
  /** An emulator of the test's own (one it restarts); default the run's. */
  emulator?: { host: string; projectId: string };
};

export async function startHub(options: StartHubOptions = {}): Promise<TestHub> {
  const env: StackEnv = {
    DATABASE_URL: process.env.DATABASE_URL ?? "",
    PUBSUB_EMULATOR_HOST: options.emulator?.host ?? process.env.PUBSUB_EMULATOR_HOST ?? "",
    PUBSUB_PROJECT_ID: options.emulator?.projectId ?? process.env.PUBSUB_PROJECT_ID ?? "",
    SECRETS_KEY: randomBytes(32).toString("base64"),
    ADMIN_API_KEY: `admin-${randomBytes(24).toString("base64url")}`,
    LOG_LEVEL: "warn",
  };
  const services = await startServices({
    env,
    extraEnv: {
      PUBSUB_TOPIC: uniqueName("events"),
      PUBSUB_SUBSCRIPTION: uniqueName("dispatcher"),
      ...options.extraEnv,
    },
    ports: "free",
    quiet: true,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
  return { env, services, api: createAdminApi(services.urls.apiGateway, env.ADMIN_API_KEY) };
}
