import type { FastifyInstance } from "fastify";
import { Type } from "typebox";

const CorrelationIdHeader = Type.String({
  description:
    "Ties the request to the events and deliveries it causes. Given and matching `^[A-Za-z0-9._:-]{1,128}$`: " +
    "used; otherwise the hub generates one. Always returned.",
  examples: ["3f2b7c1e-6d4a-4a8e-9a51-0c2f7d9e1b44"],
});

const IdempotencyKeyHeader = Type.String({
  pattern: "^[\\x21-\\x7e]{1,255}$",
  description:
    "A repeat with the same key (per API key, within the retention) gets the first answer again with " +
    "`idempotent-replayed: true`; the same key with another request is a 422, while the first still runs a 409.",
  examples: ["order-4711-create"],
});

const RESPONSE_HEADERS = {
  "x-correlation-id": { type: "string", description: "The request's correlation id (given or generated)" },
};
const RETRY_AFTER = {
  "retry-after": { type: "integer", description: "Seconds until the API key may call again" },
};

/**
 * Declares, on every route of the plugin it is registered in (the /v1 plugin), the headers the app's hooks handle (so the OpenAPI document shows
 * them without each route repeating them): `x-correlation-id` on request and response,
 * `Idempotency-Key` on idempotent routes, `Retry-After` on 429. Registered before the routes.
 */
export function registerDocumentedHeaders(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (!route.schema) return;
    const idempotent = (route.config as { idempotent?: boolean } | undefined)?.idempotent === true;
    route.schema = {
      ...route.schema,
      headers: Type.Object({
        "x-correlation-id": Type.Optional(CorrelationIdHeader),
        ...(idempotent ? { "idempotency-key": Type.Optional(IdempotencyKeyHeader) } : {}),
      }),
      response: withResponseHeaders(route.schema.response as Record<string, object> | undefined),
    };
  });
}

function withResponseHeaders(responses: Record<string, object> | undefined) {
  if (!responses) return responses;
  return Object.fromEntries(
    Object.entries(responses).map(([status, schema]) => [
      status,
      { ...schema, headers: status === "429" ? { ...RESPONSE_HEADERS, ...RETRY_AFTER } : RESPONSE_HEADERS },
    ]),
  );
}
