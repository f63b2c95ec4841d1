import {
  clientTimeoutOptions,
  createQuietLogController,
  MAX_EVENT_DATA_BYTES,
  isValidTrigger,
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  useUtf8JsonParser,
  AppError,
  type HttpTimeouts,
  type ReadinessCheck,
} from "@event-hub/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";
import type { Registry } from "prom-client";
import { Type } from "typebox";
import type { ConnectorRegistry } from "./connector-registry.ts";
import type { FailedCredentialLimiter } from "./failed-credential-limiter.ts";
import { ingestAuthHook } from "./ingest-auth.ts";
import { registerIngestReadiness } from "./ingest-readiness.ts";
import { ingestEvent, type IngestDeps } from "./ingest.ts";
import { trustedProxies } from "./trusted-proxies.ts";

/** What a slow or distant client may cost the server (every service's HTTP timeouts, and config-ingest.ts). */
export type ServerLimits = HttpTimeouts & {
  trustedProxies: readonly string[];
  trustedProxyHops: number;
};

export type SyncWorkerDeps = IngestDeps & {
  registry: ConnectorRegistry;
  limiter: FailedCredentialLimiter;
  server: ServerLimits;
  metricsRegistry: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
};

const IngestBody = Type.Object({
  trigger: Type.String({ minLength: 1, maxLength: 256 }),
  data: Type.Optional(Type.Unknown()),
});

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
  // A context of its own, so this JSON policy serves the ingest route and nothing else.
  await app.register(async (ingest) => {
    // Event data is opaque, the Connector's peers' content: refusing `__proto__` or
    // `constructor.prototype` keys would make their events vanish (the Connector never retries).
    // `JSON.parse` makes such keys own properties and never touches a prototype, so they are
    // harmless as long as nobody merges the data into another object (nothing does: it is only
    // JSON.stringify'd). Bytes that are not UTF-8 are still a 400: they could not be passed on as sent.
    useUtf8JsonParser(ingest, { prototypeKeys: "keep" });
    registerIngestRoute(ingest, deps);
  });
  return app;
}

type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

function registerIngestRoute(app: TypedApp, deps: SyncWorkerDeps): void {
  app.post(
    "/v1/ingest/:connectorId",
    {
      schema: {
        params: Type.Object({ connectorId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: IngestBody,
      },
      // onRequest, not preHandler: the credential is decided before a byte of the body is read.
      onRequest: ingestAuthHook(deps),
    },
    async (request, reply) => {
      const { trigger, data } = request.body;
      if (!isValidTrigger(trigger)) {
        throw new AppError(
          "error.hub.validation",
          `body/trigger: "${trigger}" is not a dotted event name`,
          400,
        );
      }
      const { event } = await ingestEvent(deps, {
        connectorId: request.params.connectorId,
        trigger,
        data,
        correlationId: request.headers["x-correlation-id"] ? request.correlationId : undefined,
      });
      return reply.code(202).send({ result: { id: event.id } });
    },
  );
}
