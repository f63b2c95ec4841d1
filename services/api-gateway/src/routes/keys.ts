import { AppError } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { createApiKey } from "../keys/create-api-key.ts";
import { findApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from "../keys/api-keys-store.ts";
import { errorResponses, NoContent, resultOf } from "./envelopes.ts";
import { ConnectorId } from "./connector-schemas.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";

const KeyId = Type.String({ pattern: "^key_[0-9A-Z]{26}$", examples: ["key_01J9ZQ3V4K6X8B2N5M7P9R1T3W"] });

export const ApiKeyInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ["billing back end"] }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: 50,
      description:
        "Scope patterns with the Connector's wildcards (`*` one segment, `**` any): `webhooks:write`, `deliveries:read`, `core:**`, `**`. Only scopes the creating key holds.",
      examples: [["webhooks:*", "deliveries:read"]],
    }),
    connectorIds: Type.Optional(
      Type.Array(ConnectorId, {
        minItems: 1,
        maxItems: 100,
        description:
          "Limits the key to these Connectors (the hub's tenant): it sees and touches only them, their events and deliveries, the destinations, subscriptions and keys limited to them, and their Core API. Absent: the creating key's own list (every Connector for an unlimited key). Only Connectors the creating key may reach (403 otherwise).",
        examples: [["acme"]],
      }),
    ),
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  },
  {
    additionalProperties: false,
    examples: [{ name: "billing back end", scopes: ["webhooks:*", "deliveries:read"] }],
  },
);

const apiKeyExample = {
  id: "key_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  name: "billing back end",
  scopes: ["webhooks:*", "deliveries:read"],
  connectorIds: ["acme"],
  createdAt: "2025-01-01T00:00:00.000Z",
  expiresAt: null,
  revokedAt: null,
};

const ApiKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    connectorIds: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: "The Connectors the key is limited to; null: every Connector",
    }),
    createdAt: Type.String({ format: "date-time" }),
    expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { examples: [apiKeyExample] },
);

const CreatedApiKey = Type.Intersect(
  [ApiKey, Type.Object({ key: Type.String({ description: "The API key itself, shown only now." }) })],
  { examples: [{ ...apiKeyExample, key: "hubk_Zq3V4K6X8B2N5M7P9R1T3WZq3V4K6X8B2N5M7P9R1T3W" }] },
);

const tags = ["keys"];

export const keyRoutes: FastifyPluginAsyncTypebox<{ db: Pool }> = async (app, { db }) => {
  app.post(
    "/v1/keys",
    {
      config: { scope: "keys:write", idempotent: true },
      schema: {
        tags,
        summary: "Create an API key (the key is shown once)",
        body: ApiKeyInput,
        response: { 201: resultOf(CreatedApiKey), ...errorResponses(400, 409, 422) },
      },
    },
    async (request, reply) => {
      const { row, key } = await createApiKey(db, request.principal, request.body);
      return reply.code(201).send({ result: { ...toApiKey(row), key } });
    },
  );

  app.get(
    "/v1/keys",
    {
      config: { scope: "keys:read" },
      schema: {
        tags,
        summary:
          "List API keys (never the keys themselves); a limited key sees the keys within its Connectors",
        querystring: pageQuery({}),
        response: { 200: pageOf(ApiKey), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(
        await listApiKeys(db, { limit, after: cursor }, request.principal.connectorIds),
        limit,
        toApiKey,
      );
    },
  );

  app.get(
    "/v1/keys/:id",
    {
      config: { scope: "keys:read" },
      schema: {
        tags,
        summary: "Read an API key",
        params: Type.Object({ id: KeyId }),
        response: { 200: resultOf(ApiKey), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({
      result: toApiKey(
        found(await findApiKey(db, request.params.id, request.principal.connectorIds), request.params.id),
      ),
    }),
  );

  app.delete(
    "/v1/keys/:id",
    {
      config: { scope: "keys:write" },
      schema: {
        tags,
        summary: "Revoke an API key (it stops working at once)",
        params: Type.Object({ id: KeyId }),
        response: { 204: NoContent, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      found(await revokeApiKey(db, request.params.id, request.principal.connectorIds), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

function found(row: ApiKeyRow | undefined, id: string): ApiKeyRow {
  if (!row) throw new AppError("error.hub.keyNotFound", `no API key "${id}"`, 404);
  return row;
}

function toApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    connectorIds: row.connector_ids,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
