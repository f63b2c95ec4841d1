import {
  createQuietLogController,
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  type GuardedFetch,
  type ReadinessCheck,
  type SecretBox,
} from "@event-hub/shared";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { PubSub } from "@google-cloud/pubsub";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from "fastify";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { registerApiKeyAuth } from "./auth/api-key-auth.ts";
import { registerDocumentedHeaders } from "./http/documented-headers.ts";
import { registerIdempotency } from "./http/idempotency.ts";
import { withOpenApi30Examples } from "./http/openapi-examples.ts";
import { registerOptionalBody } from "./http/optional-body.ts";
import { registerRateLimit } from "./http/rate-limit.ts";
import { coreApiProxyRoutes } from "./routes/core-api-proxy.ts";
import { connectorRoutes } from "./routes/connectors.ts";
import { deliveryRoutes } from "./routes/deliveries.ts";
import { eventRoutes } from "./routes/events.ts";
import { keyRoutes } from "./routes/keys.ts";
import { monitoringProxyRoutes } from "./routes/monitoring-proxy.ts";
import { subscriptionRoutes } from "./routes/subscriptions.ts";
import { webhookActionRoutes } from "./routes/webhook-actions.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export type ApiGatewayDeps = {
  logger: Logger;
  db: Pool;
  secrets: SecretBox;
  pubsub: PubSub;
  /** The events topic back-end subscriptions attach to. */
  topicName: string;
  metrics: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
  adminApiKey: string;
  apiKeyHeader: string;
  ingestBaseUrl: string;
  rateLimit: { ratePerSecond: number; burst: number };
  idempotencyRetentionHours: number;
  idempotencyInProgressSeconds: number;
  coreApiTimeoutMs: number;
  /** Every call to a Connector (Core API and monitoring proxy) goes through it: the SSRF policy. */
  connectorFetch: GuardedFetch;
};

declare module "fastify" {
  interface FastifyInstance {
    /** Every route as registered, for the route contract test. */
    registeredRoutes: RouteOptions[];
  }
}

/** Builds the api-gateway; never listens (main.ts does), so tests use app.inject(). */
export async function buildApp(deps: ApiGatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: createQuietLogController(), // registerRequestLogging writes one line per request instead
    // Unknown properties are an error the caller should see, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: RouteOptions[] = [];
  app.decorate("registeredRoutes", routes);
  app.addHook("onRoute", (route) => void routes.push(route as RouteOptions));

  // Bodies are JSON; any other content type is a 415 the caller can read (the proxy sets its own parsers).
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app);
  registerCorrelationId(app);
  registerRequestLogging(app);
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Connector Event Hub API",
        version: "0.1.0",
        description:
          "Envelopes as the enmeshed Connector's: `{result}` and `{error: {id, code, message, time}}`. " +
          "Lists page with `limit` and `cursor`; creating POSTs honour `Idempotency-Key` (the answer kept " +
          "for a repeat is sealed at rest, since several hold a secret shown once); " +
          "`x-correlation-id` is accepted or generated and returned.",
      },
      components: {
        securitySchemes: { ApiKey: { type: "apiKey", in: "header", name: deps.apiKeyHeader } },
      },
      security: [{ ApiKey: [] }],
    },
    transformObject: (document) =>
      withOpenApi30Examples("openapiObject" in document ? document.openapiObject : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  registerOpsRoutes(app, {
    service: "api-gateway",
    checks: deps.readiness,
    registry: deps.metrics,
    isShuttingDown: deps.isShuttingDown,
  });
  registerApiKeyAuth(app, { db: deps.db, headerName: deps.apiKeyHeader, adminApiKey: deps.adminApiKey });
  registerRateLimit(app, deps.rateLimit);
  registerIdempotency(app, {
    db: deps.db,
    secrets: deps.secrets,
    retentionHours: deps.idempotencyRetentionHours,
    inProgressSeconds: deps.idempotencyInProgressSeconds,
  });
  registerOptionalBody(app);
  registerDocumentedHeaders(app);

  await app.register(keyRoutes, { db: deps.db });
  await app.register(connectorRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(webhookActionRoutes, deps);
  await app.register(deliveryRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(subscriptionRoutes, deps);
  await app.register(coreApiProxyRoutes, deps);
  await app.register(monitoringProxyRoutes, deps);
  return app;
}
