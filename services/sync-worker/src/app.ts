import {
  clientTimeoutOptions,
  createQuietLogController,
  MAX_EVENT_DATA_BYTES,
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  type HttpTimeouts,
  type ReadinessCheck,
} from "@event-hub/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { ConnectorRegistry } from "./ingest/connector-registry.ts";
import type { FailedCredentialLimiter } from "./ingest/failed-credential-limiter.ts";
import type { IngestDeps } from "./ingest/ingest-event.ts";
import { registerIngestReadiness } from "./ingest/ingest-readiness.ts";
import { registerIngestRoute } from "./ingest/ingest-route.ts";
import { trustedProxies } from "./ingest/trusted-proxies.ts";

/** What a slow or distant client may cost the server (every service's HTTP timeouts, and config/ingest-edge-settings.ts). */
export type ServerLimits = HttpTimeouts & {
  trustedProxies: readonly string[];
  trustedProxyHops: number;
};

export type SyncWorkerDeps = IngestDeps & {
  registry: ConnectorRegistry;
  limiter: FailedCredentialLimiter;
  /** INGEST_CREDENTIAL_MAX_AGE_MS (ingest-auth.ts). */
  credentialMaxAgeMs: number;
  server: ServerLimits;
  metricsRegistry: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
};

/** Builds sync-worker's HTTP side (ingest + ops routes); never listens, so tests use inject(). */
export async function buildApp(deps: SyncWorkerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: createQuietLogController(), // registerRequestLogging writes one line per request instead
    bodyLimit: MAX_EVENT_DATA_BYTES,
    ...clientTimeoutOptions(deps.server),
    trustProxy: trustedProxies(deps.server.trustedProxies, deps.server.trustedProxyHops),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // The Connector posts JSON only; anything else is a 415 the sender can read, not a 400 about shape.
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app);
  registerCorrelationId(app);
  registerRequestLogging(app);
  registerOpsRoutes(app, {
    service: "sync-worker",
    checks: deps.readiness,
    registry: deps.metricsRegistry,
    isShuttingDown: deps.isShuttingDown,
  });
  registerIngestReadiness(app, { checks: deps.readiness, isShuttingDown: deps.isShuttingDown });
  await registerIngestRoute(app, deps);
  return app;
}
