import {
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  type ReadinessCheck,
  type SecretBox,
} from "@event-hub/shared";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { registerApiKeyAuth } from "./auth.ts";
import { connectorRoutes } from "./routes/connectors.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export type ApiGatewayDeps = {
  logger: Logger;
  db: Pool;
  secrets: SecretBox;
  metrics: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
  adminApiKey: string;
  apiKeyHeader: string;
  ingestBaseUrl: string;
};

/** Builds the api-gateway; never listens (main.ts does), so tests use app.inject(). */
export async function buildApp(deps: ApiGatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Unknown properties are an error the caller should see, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app);
  registerCorrelationId(app);
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "Connector Event Hub API", version: "0.1.0" },
      components: {
        securitySchemes: { ApiKey: { type: "apiKey", in: "header", name: deps.apiKeyHeader } },
      },
      security: [{ ApiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  registerOpsRoutes(app, {
    service: "api-gateway",
    checks: deps.readiness,
    registry: deps.metrics,
    isShuttingDown: deps.isShuttingDown,
  });
  registerApiKeyAuth(app, { headerName: deps.apiKeyHeader, adminApiKey: deps.adminApiKey });

  await app.register(connectorRoutes, {
    db: deps.db,
    secrets: deps.secrets,
    ingestBaseUrl: deps.ingestBaseUrl,
  });
  await app.register(webhookRoutes, { db: deps.db, secrets: deps.secrets });
  return app;
}
