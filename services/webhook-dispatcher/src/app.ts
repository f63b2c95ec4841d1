import {
  clientTimeoutOptions,
  createQuietLogController,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  type HttpTimeouts,
  type ReadinessCheck,
} from "@event-hub/shared";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

export type DispatcherHttpDeps = {
  logger: Logger;
  metrics: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
  /** Its few routes take no body, but a slow client must not hold a connection here either. */
  httpTimeouts: HttpTimeouts;
};

/** The dispatcher serves only /health, /ready and /metrics; its work comes from Pub/Sub and Postgres. */
export function buildApp(deps: DispatcherHttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: createQuietLogController(), // registerRequestLogging writes one line per request instead
    ...clientTimeoutOptions(deps.httpTimeouts),
  });
  registerRequestLogging(app);
  registerErrorHandling(app);
  registerOpsRoutes(app, {
    service: "webhook-dispatcher",
    checks: deps.readiness,
    registry: deps.metrics,
    isShuttingDown: deps.isShuttingDown,
  });
  return app;
}
