import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import {
  createGuardedFetch,
  automationsSubscriptionName,
  createSsrfPolicy,
  onSignals,
  openServiceFoundation,
  runService,
} from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { startAutomationsConsumer } from "./automations/automations-consumer.ts";
import { createBrokerIngest, type BrokerIngest } from "./broker/broker-ingest.ts";
import { createRecentlyAccepted } from "./broker/recently-accepted.ts";
import { loadSyncWorkerConfig, syncWorkerConfigSchema, type SyncWorkerConfig } from "./config.ts";
import { createConnectorRegistry } from "./ingest/connector-registry.ts";
import { createEventPublisher } from "./ingest/event-publisher.ts";
import { createPublishGuard } from "./ingest/publish-guard.ts";
import { createFailedCredentialLimiter } from "./ingest/failed-credential-limiter.ts";
import { createSyncWorkerMetrics } from "./metrics.ts";
import { createOutboxBacklog } from "./outbox/outbox-backlog.ts";
import { createOutboxRelay } from "./outbox/outbox-relay.ts";
import { createSyncScheduler } from "./sync/sync-scheduler.ts";

const SERVICE = "sync-worker";

await runService(SERVICE, async () => {
  const config = loadSyncWorkerConfig();
  const foundation = await openServiceFoundation(SERVICE, syncWorkerConfigSchema, config);
  const { logger, db, pubsub, shutdown, readiness, secrets: secretBox } = foundation;
  const metricsRegistry = foundation.metrics;
  const metrics = createSyncWorkerMetrics(metricsRegistry);
  const guard = createPublishGuard({
    pubsub,
    eventsTopic: config.PUBSUB_TOPIC,
    requiredSubscriptions: requiredSubscriptions(config),
    provision: foundation.provisionPubSub,
    checkIntervalMs: config.SUBSCRIPTION_WATCHDOG_SECONDS * 1000,
    logger,
    heldGauge: metrics.publishHeld,
  });
  // Checked before the relay's first pass: nothing is published into a topic nobody reads.
  await guard.check();
  guard.start();
  readiness.publishing = guard.readiness;
  const publisher = createEventPublisher(pubsub, config.PUBSUB_TOPIC, {
    rpcTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    guard,
  });
  const connectorFetch = createGuardedFetch(createSsrfPolicy(config.SSRF_ALLOW));
  const registry = createConnectorRegistry(db, logger);
  registry.start(config.REGISTRY_REFRESH_MS);
  const backlog = createOutboxBacklog();
  const relay = createOutboxRelay({
    db,
    publisher,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    backlog,
    metrics,
    logger,
    intervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
    batchSize: config.OUTBOX_RELAY_BATCH_SIZE,
  });
  // The first pass learns which Connectors still have events waiting, before ingest opens.
  await relay.runOnce().catch((error: unknown) => logger.warn({ err: error }, "first outbox pass failed"));
  relay.start();

  const app = await buildApp({
    logger,
    db,
    publisher,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    backlog,
    metrics,
    registry,
    credentialMaxAgeMs: config.INGEST_CREDENTIAL_MAX_AGE_MS,
    limiter: createFailedCredentialLimiter({
      maxFailures: config.INGEST_AUTH_FAILURES_MAX,
      windowMs: config.INGEST_AUTH_FAILURE_WINDOW_SECONDS * 1000,
    }),
    server: {
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      trustedProxies: config.TRUSTED_PROXIES,
      trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    },
    metricsRegistry,
    readiness,
    isShuttingDown: shutdown.isShuttingDown,
  });

  const scheduler = createSyncScheduler({
    db,
    databaseUrl: config.DATABASE_URL,
    secretBox,
    logger,
    metrics,
    replicaId: config.SYNC_REPLICA_ID || `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    tickMs: config.SYNC_TICK_MS,
    leaseSeconds: config.SYNC_LEASE_SECONDS,
    timeoutMs: config.SYNC_TIMEOUT_MS,
    concurrency: config.SYNC_CONCURRENCY,
    jitterRatio: config.SYNC_JITTER_RATIO,
    backoffMaxSeconds: config.SYNC_BACKOFF_MAX_SECONDS,
    connectorFetch,
  });
  if (config.SYNC_ENABLED) await scheduler.start();
  let automations: { stop(): Promise<void> } | undefined;
  if (config.AUTOMATIONS_ENABLED) {
    // The foundation provisioned it with the rest of the hub's layout (PUBSUB_PROVISION).
    const consumer = startAutomationsConsumer(pubsub, automationsSubscriptionName(config), {
      db,
      secretBox,
      logger,
      metrics,
      requestTimeoutMs: config.CONNECTOR_REQUEST_TIMEOUT_MS,
      connectorFetch,
      provision: foundation.provisionPubSub,
      watchdogMs: config.SUBSCRIPTION_WATCHDOG_SECONDS * 1000,
    });
    readiness.automationsSubscription = consumer.readiness;
    automations = consumer;
  }

  let brokerIngest: BrokerIngest | undefined;
  if (config.BROKER_INGEST_ENABLED) {
    brokerIngest = createBrokerIngest({
      pubsub,
      db,
      publisher,
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
      backlog,
      metrics,
      logger,
      recent: createRecentlyAccepted(config.BROKER_DEDUPE_MESSAGES),
      maxMessages: config.BROKER_MAX_MESSAGES,
      stopTimeoutMs: config.PUBLISH_TIMEOUT_MS * 2,
      watchdogMs: config.SUBSCRIPTION_WATCHDOG_SECONDS * 1000,
      refreshMs: config.BROKER_REFRESH_MS,
      // The sync lease owner consumes: one consumer per Connector keeps its order (README).
      owns: config.SYNC_ENABLED ? (connectorId) => scheduler.owned().has(connectorId) : () => true,
    });
    brokerIngest.start();
  }

  shutdown.add("http server", () => app.close());
  // Before the leases go back, so the next owner does not consume beside this replica.
  shutdown.add("broker ingest", () => brokerIngest?.stop());
  shutdown.add("sync scheduler", () => scheduler.stop());
  shutdown.add("automations", () => automations?.stop());
  shutdown.add("connector connections", () => connectorFetch.close());
  shutdown.add("outbox relay", () => relay.stop());
  shutdown.add("publish guard", () => guard.stop());
  shutdown.add("connector registry", () => registry.stop());
  shutdown.add("publisher flush", () => publisher.flush());
  foundation.closeClientsLast();
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});

/** PUBLISH_REQUIRED_SUBSCRIPTIONS, or the dispatcher's and (automations on) the automations' one. */
function requiredSubscriptions(config: SyncWorkerConfig): string[] {
  if (config.PUBLISH_REQUIRED_SUBSCRIPTIONS.length > 0) return config.PUBLISH_REQUIRED_SUBSCRIPTIONS;
  const automations = config.AUTOMATIONS_ENABLED ? [automationsSubscriptionName(config)] : [];
  return [config.PUBSUB_SUBSCRIPTION, ...automations];
}
