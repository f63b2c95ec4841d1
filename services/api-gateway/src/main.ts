import {
  createGuardedFetch,
  createSsrfPolicy,
  onSignals,
  openServiceFoundation,
  runService,
} from "@event-hub/shared";
import { buildApp } from "./app.ts";
import { apiGatewayConfigSchema, loadApiGatewayConfig } from "./config.ts";

const SERVICE = "api-gateway";

await runService(SERVICE, async () => {
  const config = loadApiGatewayConfig();
  const { logger, db, secrets, pubsub, metrics, readiness, shutdown, closeClientsLast } =
    await openServiceFoundation(SERVICE, apiGatewayConfigSchema, config);
  const connectorFetch = createGuardedFetch(createSsrfPolicy(config.SSRF_ALLOW));

  const app = await buildApp({
    logger,
    db,
    secrets,
    pubsub,
    topicName: config.PUBSUB_TOPIC,
    metrics,
    readiness,
    isShuttingDown: shutdown.isShuttingDown,
    adminApiKey: config.ADMIN_API_KEY,
    apiKeyHeader: config.API_KEY_HEADER,
    ingestBaseUrl: config.INGEST_BASE_URL,
    rateLimit: { ratePerSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    idempotencyRetentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
    idempotencyInProgressSeconds: config.IDEMPOTENCY_IN_PROGRESS_SECONDS,
    coreApiTimeoutMs: config.CORE_API_TIMEOUT_MS,
    connectorFetch,
    httpTimeouts: {
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    },
  });

  shutdown.add("http server", () => app.close());
  shutdown.add("connector connections", () => connectorFetch.close());
  closeClientsLast();
  onSignals(shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
});
