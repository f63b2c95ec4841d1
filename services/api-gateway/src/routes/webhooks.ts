import { AppError } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createWebhook, type CreateWebhookDeps } from "../create-webhook.ts";
import { findDestination, listDestinations, type DestinationRow } from "../store/destinations.ts";
import { ErrorResponse, resultOf } from "./envelopes.ts";

const WebhookId = Type.String({ pattern: "^whk_[0-9A-Z]{26}$" });

const WebhookInput = Type.Object(
  {
    url: Type.String({
      pattern: "^https?://[^\\s]+$",
      maxLength: 2048,
      description: "Target URL; `{{trigger}}` is replaced by the event's trigger, as the Connector does.",
      examples: ["https://example.com/hooks/{{trigger}}"],
    }),
    triggers: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      minItems: 1,
      maxItems: 100,
      description: "Trigger patterns with the Connector's wildcards: `*` one segment, `**` any.",
      examples: [["transport.messageReceived", "consumption.*"]],
    }),
    connectorIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z0-9-]{1,100}$" }), Type.String({ maxLength: 4096 })),
    ),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  triggers: Type.Array(Type.String()),
  connectorIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  description: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

const CreatedWebhook = Type.Intersect([
  Webhook,
  Type.Object({ secret: Type.String({ description: "Signing secret (whsec_…), shown only now." }) }),
]);

export const webhookRoutes: FastifyPluginAsyncTypebox<CreateWebhookDeps> = async (app, deps) => {
  app.post(
    "/v1/webhooks",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Register a webhook endpoint",
        body: WebhookInput,
        response: { 201: resultOf(CreatedWebhook), 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { destination, secret } = await createWebhook(deps, request.body);
      return reply.code(201).send({ result: { ...toWebhook(destination), secret } });
    },
  );

  app.get(
    "/v1/webhooks",
    {
      schema: {
        tags: ["webhooks"],
        summary: "List webhook endpoints",
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(WebhookId),
        }),
        response: {
          200: Type.Object({
            result: Type.Array(Webhook),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listDestinations(deps.db, { limit, after: cursor });
      const last = rows.at(-1);
      return { result: rows.map(toWebhook), nextCursor: rows.length === limit && last ? last.id : null };
    },
  );

  app.get(
    "/v1/webhooks/:id",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Read a webhook endpoint",
        params: Type.Object({ id: Type.String() }),
        response: { 200: resultOf(Webhook), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const row = await findDestination(deps.db, request.params.id);
      if (!row) throw new AppError("error.hub.webhookNotFound", `no webhook "${request.params.id}"`, 404);
      return { result: toWebhook(row) };
    },
  );
};

function toWebhook(row: DestinationRow) {
  const config = row.config as { url: string; headers?: Record<string, string> };
  return {
    id: row.id,
    url: config.url,
    triggers: row.triggers,
    connectorIds: row.connector_ids,
    description: row.description,
    headers: config.headers ?? {},
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
