import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { LevelWithSilent, Logger } from "pino";
import type { Registry } from "prom-client";
import type { TObject } from "typebox";
import { redactConfig } from "./config.ts";
import { checkDatabase } from "./db/pool.ts";
import { createMetricsRegistry, type ReadinessCheck } from "./http/ops-routes.ts";
import { createLogger } from "./logger.ts";
import { checkPubSub } from "./pubsub/client.ts";
import {
  hubPubSubLayout,
  provisionHubPubSub,
  type HubPubSubLayout,
  type HubPubSubNames,
} from "./pubsub/hub-pubsub-layout.ts";
import { createSecretBox, type SecretBox } from "./secrets.ts";
import { openDatabase, openPubSub, type DatabaseConfig, type PubSubConfig } from "./service-startup.ts";
import { createShutdown, type Shutdown } from "./shutdown.ts";

export type FoundationConfig = DatabaseConfig &
  PubSubConfig &
  HubPubSubNames & {
    LOG_LEVEL: LevelWithSilent;
    SECRETS_KEY: string;
    SECRETS_KEY_PREVIOUS: string[];
    SHUTDOWN_TIMEOUT_MS: number;
    PUBSUB_PROVISION: boolean;
    SUBSCRIPTION_WATCHDOG_SECONDS: number;
  };

/** What every service starts from; its own parts are built on top in its main.ts. */
export type ServiceFoundation = {
  logger: Logger;
  secrets: SecretBox;
  shutdown: Shutdown;
  db: Pool;
  pubsub: PubSub;
  /** Every topic and subscription of the hub, named as configured. */
  pubsubLayout: HubPubSubLayout;
  /** Creates what is missing of the layout; undefined when PUBSUB_PROVISION is off (Terraform owns it). */
  provisionPubSub: (() => Promise<void>) | undefined;
  metrics: Registry;
  /** /ready's checks: Postgres answers and the events topic is reachable. */
  readiness: Record<string, ReadinessCheck>;
  /** Adds the last shutdown steps (Pub/Sub client, then the pool); call after the service's own. */
  closeClientsLast(): void;
};

const READINESS_TIMEOUT_MS = 2000;

/**
 * Logger, secrets, shutdown, a migrated Postgres pool and a Pub/Sub client with every topic and
 * subscription of the hub provisioned (when PUBSUB_PROVISION): the same first steps in every
 * service, in this order. Every service provisions the whole layout, not only its own part, so
 * whichever starts first creates the dispatcher's subscription before anything is published.
 */
export async function openServiceFoundation(
  service: string,
  schema: TObject,
  config: FoundationConfig,
): Promise<ServiceFoundation> {
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  logger.info({ config: redactConfig(schema, config) }, "starting");
  const secrets = createSecretBox({ key: config.SECRETS_KEY, previousKeys: config.SECRETS_KEY_PREVIOUS });
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  const db = await openDatabase(service, config, logger);
  const pubsub = openPubSub(config);
  const pubsubLayout = hubPubSubLayout(config);
  const provisionPubSub = config.PUBSUB_PROVISION
    ? () => provisionHubPubSub(pubsub, pubsubLayout)
    : undefined;
  await provisionPubSub?.();
  return {
    logger,
    secrets,
    shutdown,
    db,
    pubsub,
    pubsubLayout,
    provisionPubSub,
    metrics: createMetricsRegistry(service),
    readiness: {
      database: () => checkDatabase(db, READINESS_TIMEOUT_MS),
      pubsub: () => checkPubSub(pubsub, config.PUBSUB_TOPIC, READINESS_TIMEOUT_MS),
    },
    closeClientsLast() {
      shutdown.add("pubsub client", () => pubsub.close());
      shutdown.add("database pool", () => db.end());
    },
  };
}
