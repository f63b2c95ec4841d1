import { hostname } from "node:os";
import {
  checkDatabase,
  checkPubSub,
  createLogger,
  createMetricsRegistry,
  createSecretBox,
  createShutdown,
  ensureSubscription,
  ensureTopic,
  onSignals,
  openDatabase,
  openPubSub,
  redactConfig,
  runService,
} from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { dispatcherConfigSchema, loadDispatcherConfig } from "./config.ts";
import { startConsumer } from "./consumer.ts";
import { startDeliveryLoop } from "./delivery-loop.ts";
import { createSender } from "./send.ts";
import { createSsrfPolicy } from "./ssrf-guard.ts";

const SERVICE = "webhook-dispatcher";

await runService(SERVICE, async () => {
  const config = loadDispatcherConfig();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  logger.info({ config: redactConfig(dispatcherConfigSchema, config) }, "starting");
  const secrets = createSecretBox({ key: config.SECRETS_KEY, previousKeys: config.SECRETS_KEY_PREVIOUS });
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

  const db = await openDatabase(SERVICE, config, logger);
  const pubsub = openPubSub(config);
  if (config.PUBSUB_PROVISION) {
    await ensureTopic(pubsub, config.PUBSUB_TOPIC);
    await ensureSubscription(pubsub, config.PUBSUB_TOPIC, config.PUBSUB_SUBSCRIPTION, {
      enableMessageOrdering: true,
      ackDeadlineSeconds: 60,
    });
  }

  const sender = createSender(createSsrfPolicy(config.SSRF_ALLOW));
  const deliveries = startDeliveryLoop(
    { db, logger, secrets, sender },
    {
      owner: config.WORKER_ID || `${hostname()}-${process.pid}`,
      concurrency: config.DELIVERY_CONCURRENCY,
      pollIntervalMs: config.DELIVERY_POLL_INTERVAL_MS,
      leaseSeconds: config.DELIVERY_LEASE_SECONDS,
      defaultTimeoutMs: config.DELIVERY_TIMEOUT_MS,
    },
  );
  const subscription = startConsumer(
    pubsub,
    { subscriptionName: config.PUBSUB_SUBSCRIPTION, maxMessages: config.CONSUMER_MAX_MESSAGES },
    { db, logger, onDeliveriesStored: deliveries.wake },
  );

  const app = buildApp({
    logger,
    metrics: createMetricsRegistry(SERVICE),
    readiness: {
      database: () => checkDatabase(db, 2000),
      pubsub: () => checkPubSub(pubsub, config.PUBSUB_TOPIC, 2000),
    },
    isShuttingDown: shutdown.isShuttingDown,
  });

  // Stop taking new messages first, then let in-flight deliveries finish and record their attempts.
  // Each may wait on others (in-flight stores, receivers): capped so the pool still gets time to close.
  shutdown.add("pubsub subscription", () => subscription.close(), { timeoutMs: 3000 });
  shutdown.add("delivery workers", () => deliveries.stop(), { timeoutMs: 3000 });
  shutdown.add("http server", () => app.close());
  shutdown.add("http agents", () => sender.close());
  shutdown.add("pubsub client", () => pubsub.close());
  shutdown.add("database pool", () => db.end());
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});
