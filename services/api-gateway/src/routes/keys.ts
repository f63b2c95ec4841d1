import { AppError } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { createApiKey } from "../keys/create-api-key.ts";
import { findApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from "../keys/api-keys-store.ts";
import { errorResponses, NoContent, resultOf } from "./envelopes.ts";
import { ApiKeyInput, CreatedApiKey, KeyId, ApiKey } from "./key-schemas.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";

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
        querystring: pageQuery("asc", {}),
        response: { 200: pageOf(ApiKey), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order } = request.query;
      return toPage(
        await listApiKeys(db, { limit, cursor, order }, request.principal.connectorIds),
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
