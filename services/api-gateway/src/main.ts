import {
  checkDatabase,
  checkPubSub,
  createLogger,
  createMetricsRegistry,
  createSecretBox,
  createShutdown,
  ensureTopic,
  onSignals,
  openDatabase,
  openPubSub,
  redactConfig,
  runService,
} from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { apiGatewayConfigSchema, loadApiGatewayConfig } from "./config.ts";

const SERVICE = "api-gateway";

await runService(SERVICE, async () => {
  const config = loadApiGatewayConfig();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  logger.info({ config: redactConfig(apiGatewayConfigSchema, config) }, "starting");
  const secrets = createSecretBox({ key: config.SECRETS_KEY, previousKeys: config.SECRETS_KEY_PREVIOUS });
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

  const db = await openDatabase(SERVICE, config, logger);
  const pubsub = openPubSub(config);
  if (config.PUBSUB_PROVISION) await ensureTopic(pubsub, config.PUBSUB_TOPIC);

  const app = await buildApp({
    logger,
    db,
    secrets,
    pubsub,
    topicName: config.PUBSUB_TOPIC,
    metrics: createMetricsRegistry(SERVICE),
    readiness: {
      database: () => checkDatabase(db, 2000),
      pubsub: () => checkPubSub(pubsub, config.PUBSUB_TOPIC, 2000),
    },
    isShuttingDown: shutdown.isShuttingDown,
    adminApiKey: config.ADMIN_API_KEY,
    apiKeyHeader: config.API_KEY_HEADER,
    ingestBaseUrl: config.INGEST_BASE_URL,
    rateLimit: { ratePerSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    idempotencyRetentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
    idempotencyInProgressSeconds: config.IDEMPOTENCY_IN_PROGRESS_SECONDS,
    coreApiTimeoutMs: config.CORE_API_TIMEOUT_MS,
  });

  shutdown.add("http server", () => app.close());
  shutdown.add("pubsub client", () => pubsub.close());
  shutdown.add("database pool", () => db.end());
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});
