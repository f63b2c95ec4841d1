import {
  createQuietLogController,
  MAX_EVENT_DATA_BYTES,
  isValidTrigger,
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  AppError,
  type ReadinessCheck,
} from "@event-hub/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { Type } from "typebox";
import { registerIngestReadiness } from "./ingest-readiness.ts";
import { ingestEvent, type IngestDeps } from "./ingest.ts";

export type SyncWorkerDeps = IngestDeps & {
  metricsRegistry: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
};

/** The header the Connector's webhooks module sends with `authentication: {type: "ApiKey"}`. */
const INGEST_CREDENTIAL_HEADER = "x-api-key";

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

  app.post(
    "/v1/ingest/:connectorId",
    {
      schema: {
        params: Type.Object({ connectorId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: IngestBody,
      },
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
      const credential = request.headers[INGEST_CREDENTIAL_HEADER];
      const { event } = await ingestEvent(deps, {
        connectorId: request.params.connectorId,
        credential: Array.isArray(credential) ? credential[0] : credential,
        trigger,
        data,
        correlationId: request.headers["x-correlation-id"] ? request.correlationId : undefined,
      });
      return reply.code(202).send({ result: { id: event.id } });
    },
  );
  return app;
}
