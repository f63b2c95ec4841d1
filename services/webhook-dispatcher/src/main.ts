import { hostname } from "node:os";
import { createSsrfPolicy, onSignals, openServiceFoundation, runService } from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { dispatcherConfigSchema, loadDispatcherConfig } from "./config.ts";
import { startConsumer } from "./consume/consumer.ts";
import { startDeliveryLoop } from "./deliver/delivery-loop.ts";
import { createAmqpConnections } from "./destinations/amqp/amqp-connections.ts";
import { createDispatchMetrics, registerAmqpConnectionsGauge } from "./metrics.ts";
import { createTokenCache } from "./destinations/webhook/oauth2-token-cache.ts";
import { createOperatorEvents } from "./operator-events.ts";
import { startRetention } from "./retention/retention.ts";
import { createSender } from "./destinations/webhook/send.ts";
import { listenForDueDeliveries } from "./deliver/wake-listener.ts";

const SERVICE = "webhook-dispatcher";

await runService(SERVICE, async () => {
  const config = loadDispatcherConfig();
  const foundation = await openServiceFoundation(SERVICE, dispatcherConfigSchema, config);
  // The foundation provisioned the hub's Pub/Sub layout (PUBSUB_PROVISION), our subscription included.
  const { logger, db, pubsub, secrets, shutdown, metrics, readiness } = foundation;

  const ssrfPolicy = createSsrfPolicy(config.SSRF_ALLOW);
  const sender = createSender(ssrfPolicy);
  const amqp = createAmqpConnections(logger, {
    policy: ssrfPolicy,
    idleCloseMs: config.AMQP_IDLE_CLOSE_SECONDS * 1000,
    connectTimeoutMs: config.AMQP_CONNECT_TIMEOUT_MS,
    backoff: { initialMs: config.AMQP_RECONNECT_INITIAL_MS, maxMs: config.AMQP_RECONNECT_MAX_MS },
  });
  registerAmqpConnectionsGauge(metrics, amqp.openConnections);
  const deliveries = startDeliveryLoop(
    {
      db,
      logger,
      secrets,
      sender,
      amqp,
      tokens: createTokenCache(sender),
      metrics: createDispatchMetrics(metrics, db),
      operations: createOperatorEvents(pubsub, config.OPERATIONS_TOPIC, logger),
    },
    {
      owner: config.WORKER_ID || `${hostname()}-${process.pid}`,
      concurrency: config.DELIVERY_CONCURRENCY,
      pollIntervalMs: config.DELIVERY_POLL_INTERVAL_MS,
      leaseSeconds: config.DELIVERY_LEASE_SECONDS,
      breaker: {
        windowMs: config.BREAKER_WINDOW_SECONDS * 1000,
        minRequests: config.BREAKER_MIN_REQUESTS,
        failureRate: config.BREAKER_FAILURE_RATE,
        halfOpenProbes: config.BREAKER_HALF_OPEN_PROBES,
        cooldownMs: config.BREAKER_COOLDOWN_SECONDS * 1000,
        autoDisableAfterMs: config.AUTO_DISABLE_AFTER_SECONDS * 1000,
      },
    },
  );
  const listener = await listenForDueDeliveries(config.DATABASE_URL, logger, deliveries.wake);
  const retention = startRetention(db, logger, {
    retentionSeconds: config.RETENTION_DAYS * 86400,
    breakerWindowSeconds: config.BREAKER_WINDOW_SECONDS,
    intervalMs: config.RETENTION_INTERVAL_SECONDS * 1000,
  });
  const subscription = startConsumer(
    pubsub,
    {
      subscriptionName: config.PUBSUB_SUBSCRIPTION,
      maxMessages: config.CONSUMER_MAX_MESSAGES,
      maxBytes: config.CONSUMER_MAX_BYTES,
      provision: foundation.provisionPubSub,
      watchdogMs: config.SUBSCRIPTION_WATCHDOG_SECONDS * 1000,
    },
    { db, logger, onDeliveriesStored: deliveries.wake },
  );
  readiness.subscription = subscription.readiness;

  const app = buildApp({
    logger,
    metrics,
    readiness,
    isShuttingDown: shutdown.isShuttingDown,
    httpTimeouts: {
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    },
  });

  // Stop taking new messages first, then let in-flight deliveries finish and record their attempts.
  // Each may wait on others (in-flight stores, receivers): capped so the pool still gets time to close.
  shutdown.add("pubsub subscription", () => subscription.close(), { timeoutMs: 3000 });
  shutdown.add("delivery workers", () => deliveries.stop(), { timeoutMs: 3000 });
  shutdown.add("due-delivery listener", () => listener.stop());
  shutdown.add("retention cleanup", () => retention.stop());
  shutdown.add("http server", () => app.close());
  shutdown.add("http agents", () => sender.close());
  shutdown.add("amqp connections", () => amqp.close(), { timeoutMs: 3000 });
  foundation.closeClientsLast();
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});
