import { createHash, randomBytes } from "node:crypto";
import {
  connectorApiKeySealing,
  createGuardedFetch,
  createLogger,
  createMetricsRegistry,
  createPool,
  createPubSub,
  createSsrfPolicy,
  runMigrations,
  type GuardedFetch,
  type SecretBox,
} from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { ServerLimits, SyncWorkerDeps } from "../src/app.ts";
import { createConnectorRegistry } from "../src/ingest/connector-registry.ts";
import type { EventPublisher } from "../src/ingest/event-publisher.ts";
import {
  createFailedCredentialLimiter,
  type FailedCredentialLimits,
} from "../src/ingest/failed-credential-limiter.ts";
import { createSyncWorkerMetrics } from "../src/metrics.ts";
import { createOutboxBacklog } from "../src/outbox/outbox-backlog.ts";
import {
  createSyncScheduler,
  type SyncScheduler,
  type SyncSchedulerOptions,
} from "../src/sync/sync-scheduler.ts";

/** Test harness of sync-worker: real pools, loggers and dependencies, wired like main.ts does. */

export const silentLogger = (): Logger => createLogger({ service: "sync-worker-test", level: "silent" });

/** The SSRF-guarded client with loopback allowed, as under `make up`: the tests' Connectors listen there. */
export const loopbackConnectorFetch = (): GuardedFetch =>
  createGuardedFetch(createSsrfPolicy(["127.0.0.0/8", "::1"]));

export function createTestPool(connectionString = process.env.DATABASE_URL ?? "", max = 4): Pool {
  return createPool({
    connectionString,
    max,
    applicationName: "sync-worker-test",
    logger: silentLogger(),
    connectionTimeoutMs: 2000,
  });
}

/** A pool on the test database with every migration applied. */
export async function createMigratedTestPool(): Promise<Pool> {
  const db = createTestPool();
  await runMigrations(db);
  return db;
}

/** A Pub/Sub client on the emulator the integration project's global setup started. */
export const emulatorPubSub = (): PubSub =>
  createPubSub({
    projectId: process.env.PUBSUB_PROJECT_ID,
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
  });

export type TestConnector = {
  id: string;
  ingestKey: string;
  baseUrl?: string;
  apiKeySealed?: string;
  syncIntervalSeconds?: number;
  automations?: Record<string, unknown>;
  enabled?: boolean;
};

export function newTestConnector(overrides: Partial<TestConnector> = {}): TestConnector {
  return {
    id: uniqueName("con"),
    ingestKey: `ingk_${randomBytes(16).toString("base64url")}`,
    ...overrides,
  };
}

/** A hub Connector for a simulated one: its base URL, and its API key sealed as the gateway seals it. */
export function simulatedTestConnector(
  secretBox: SecretBox,
  simulated: { baseUrl: string; apiKey: string } | undefined,
  overrides: Partial<TestConnector> = {},
): TestConnector {
  const connector = newTestConnector({ baseUrl: simulated?.baseUrl, ...overrides });
  connector.apiKeySealed = secretBox.seal(simulated?.apiKey ?? "", connectorApiKeySealing(connector.id));
  return connector;
}

export async function insertConnector(db: Pool, connector: TestConnector): Promise<void> {
  await db.query(
    `INSERT INTO connectors (id, name, base_url, api_key_sealed, ingest_key_hash, sync_interval_seconds,
                             enabled, automations)
     VALUES ($1, $1, $2, $3, $4, $5, $6, $7)`,
    [
      connector.id,
      connector.baseUrl ?? "http://127.0.0.1:9",
      connector.apiKeySealed ?? null,
      createHash("sha256").update(connector.ingestKey).digest("hex"),
      connector.syncIntervalSeconds ?? 60,
      connector.enabled ?? true,
      JSON.stringify(connector.automations ?? {}),
    ],
  );
}

export function buildDeps(options: {
  db: Pool;
  publisher: EventPublisher;
  publishTimeoutMs?: number;
  logger?: Logger;
  failureLimits?: FailedCredentialLimits;
  credentialMaxAgeMs?: number;
  server?: Partial<ServerLimits>;
}): SyncWorkerDeps {
  const logger = options.logger ?? silentLogger();
  const metricsRegistry = createMetricsRegistry("sync-worker-test");
  return {
    db: options.db,
    publisher: options.publisher,
    publishTimeoutMs: options.publishTimeoutMs ?? 5000,
    logger,
    backlog: createOutboxBacklog(),
    metrics: createSyncWorkerMetrics(metricsRegistry),
    registry: createConnectorRegistry(options.db, logger),
    credentialMaxAgeMs: options.credentialMaxAgeMs ?? 1000,
    limiter: createFailedCredentialLimiter(options.failureLimits ?? { maxFailures: 1000, windowMs: 60_000 }),
    server: {
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      trustedProxies: [],
      trustedProxyHops: 1,
      ...options.server,
    },
    metricsRegistry,
    readiness: {},
    isShuttingDown: () => false,
  };
}

/** A started sync scheduler on the test database, with a silent logger and metrics of its own. */
export async function startTestScheduler(
  options: Omit<SyncSchedulerOptions, "databaseUrl" | "logger" | "metrics">,
): Promise<SyncScheduler> {
  const scheduler = createSyncScheduler({
    ...options,
    databaseUrl: process.env.DATABASE_URL ?? "",
    logger: silentLogger(),
    metrics: createSyncWorkerMetrics(createMetricsRegistry("sync-worker-test")),
  });
  await scheduler.start();
  return scheduler;
}
