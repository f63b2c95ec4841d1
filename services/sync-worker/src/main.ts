import {
  checkDatabase,
  checkPubSub,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  ensureTopic,
  onSignals,
  openDatabase,
  openPubSub,
  redactConfig,
  runService,
} from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { loadSyncWorkerConfig, syncWorkerConfigSchema } from "./config.ts";
import { createEventPublisher } from "./event-publisher.ts";

const SERVICE = "sync-worker";

await runService(SERVICE, async () => {
  const config = loadSyncWorkerConfig();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  logger.info({ config: redactConfig(syncWorkerConfigSchema, config) }, "starting");
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

  const db = await openDatabase(SERVICE, config, logger);
  const pubsub = openPubSub(config);
  if (config.PUBSUB_PROVISION) await ensureTopic(pubsub, config.PUBSUB_TOPIC);
  const publisher = createEventPublisher(pubsub, config.PUBSUB_TOPIC);

  const app = await buildApp({
    logger,
    db,
    publisher,
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    metrics: createMetricsRegistry(SERVICE),
    readiness: {
      database: () => checkDatabase(db, 2000),
      pubsub: () => checkPubSub(pubsub, config.PUBSUB_TOPIC, 2000),
    },
    isShuttingDown: shutdown.isShuttingDown,
  });

  shutdown.add("http server", () => app.close());
  shutdown.add("publisher flush", () => publisher.flush());
  shutdown.add("pubsub client", () => pubsub.close());
  shutdown.add("database pool", () => db.end());
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});
