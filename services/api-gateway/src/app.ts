import {
  clientTimeoutOptions,
  createQuietLogController,
  registerCorrelationId,
  registerErrorHandling,
  registerOpsRoutes,
  registerRequestLogging,
  useUtf8JsonParser,
  type HttpTimeouts,
  type ReadinessCheck,
} from "@event-hub/shared";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { answerFrameworkError } from "./http/framework-errors.ts";
import { withOpenApi30Examples } from "./http/openapi-examples.ts";
import { formatSchemaErrors } from "./http/schema-error-message.ts";
import { refuseV1RoutesOutside, v1Api, type V1ApiDeps } from "./v1/v1-api.ts";

/** What the ops routes need besides the /v1 API's dependencies. */
export type ApiGatewayDeps = V1ApiDeps & {
  logger: Logger;
  metrics: Registry;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
  httpTimeouts: HttpTimeouts;
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
    // One spelling per route: `/V1/…`, `/v1//…`, `/v1/…/` and `…;param` are 404, not aliases, so an
    // alias never needs its own rule (in auth, logs, caches, Idempotency-Key hashes); only where a
    // `/:id` route follows, `/v1/keys/` is that route with an empty id (its auth, then 400). The router
    // does decode percent-encoded characters (`/%761/…` is `/v1/…`); auth is bound to the matched
    // route, so such a spelling meets the same auth as the canonical one. (`useSemicolonDelimiter`
    // stays at its default, false: `;` is part of the path; fastify's types omit it here.)
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    frameworkErrors: answerFrameworkError, // the router's own 400/414, in the envelope
    schemaErrorFormatter: formatSchemaErrors, // a value outside an enum: one sentence naming the allowed values
    ...clientTimeoutOptions(deps.httpTimeouts),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: RouteOptions[] = [];
  app.decorate("registeredRoutes", routes);
  app.addHook("onRoute", (route) => void routes.push(route as RouteOptions));
  refuseV1RoutesOutside(app);

  // Bodies are JSON; any other content type is a 415 the caller can read (the proxy sets its own parsers).
  app.removeContentTypeParser("text/plain");
  // Strict UTF-8, and the API's own bodies keep fastify's refusal of `__proto__` and
  // `constructor.prototype` keys: they are the hub's configuration, merged into objects here and there.
  useUtf8JsonParser(app, { prototypeKeys: "refuse" });
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
          "Lists page with `limit`, `order` (`asc` or `desc`) and `cursor`; creating POSTs honour `Idempotency-Key` (the answer kept " +
          "for a repeat is sealed at rest, since several hold a secret shown once); " +
          "`x-correlation-id` is accepted or generated and returned. " +
          "An API key may be limited to Connectors (`connectorIds`): it then sees and touches only those " +
          "Connectors, their events and deliveries, the destinations, subscriptions and keys limited to them, " +
          "and their Core API; anything else answers 404 exactly as if it did not exist.",
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
  await app.register(v1Api, deps);
  return app;
}
