import { AppError } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  registerConnector,
  rotateIngestCredential,
  type RegisterConnectorDeps,
} from "../register-connector.ts";
import { findConnector, type ConnectorRow } from "../store/connectors.ts";
import { ErrorResponse, resultOf } from "./envelopes.ts";

const ConnectorId = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", examples: ["acme"] });

const Automations = Type.Object(
  {
    autoAcceptPendingRelationships: Type.Boolean({
      description: "Accept incoming pending relationships automatically (not for production).",
    }),
  },
  { additionalProperties: false },
);

const ConnectorInput = Type.Object(
  {
    id: Type.Optional(ConnectorId),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    baseUrl: Type.String({ format: "uri", pattern: "^https?://", examples: ["http://connector-a:8080"] }),
    apiPrefix: Type.Optional(Type.Union([Type.Literal("/api/v2"), Type.Literal("/api/core/v1")])),
    apiKey: Type.Optional(
      Type.String({ minLength: 1, description: "The Connector's own API key; never returned." }),
    ),
    syncIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
    enabled: Type.Optional(Type.Boolean()),
    automations: Type.Optional(Type.Partial(Automations)),
  },
  { additionalProperties: false },
);

const Connector = Type.Object({
  id: Type.String(),
  name: Type.String(),
  baseUrl: Type.String(),
  apiPrefix: Type.String(),
  hasApiKey: Type.Boolean(),
  syncIntervalSeconds: Type.Integer(),
  enabled: Type.Boolean(),
  automations: Automations,
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

const IngestCredential = Type.Object({
  url: Type.String(),
  authentication: Type.Object({
    type: Type.Literal("ApiKey"),
    headerName: Type.String(),
    apiKey: Type.String({ description: "Shown once. Put it in the Connector's webhooks target." }),
  }),
});

export const connectorRoutes: FastifyPluginAsyncTypebox<RegisterConnectorDeps> = async (app, deps) => {
  app.post(
    "/v1/connectors",
    {
      schema: {
        tags: ["connectors"],
        summary: "Register a Connector",
        body: ConnectorInput,
        response: {
          201: resultOf(Type.Object({ connector: Connector, ingest: IngestCredential })),
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { connector, ingest } = await registerConnector(deps, request.body);
      return reply.code(201).send({ result: { connector: toConnector(connector), ingest } });
    },
  );

  app.post(
    "/v1/connectors/:id/ingest-credential",
    {
      schema: {
        tags: ["connectors"],
        summary: "Issue a new ingest credential (the old one stops working)",
        params: Type.Object({ id: ConnectorId }),
        response: { 201: resultOf(IngestCredential), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const ingest = await rotateIngestCredential(deps, request.params.id);
      return reply.code(201).send({ result: ingest });
    },
  );

  app.get(
    "/v1/connectors/:id",
    {
      schema: {
        tags: ["connectors"],
        summary: "Read a Connector",
        params: Type.Object({ id: ConnectorId }),
        response: { 200: resultOf(Connector), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const row = await findConnector(deps.db, request.params.id);
      if (!row) throw new AppError("error.hub.connectorNotFound", `no Connector "${request.params.id}"`, 404);
      return { result: toConnector(row) };
    },
  );
};

function toConnector(row: ConnectorRow) {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    apiPrefix: row.api_prefix,
    hasApiKey: row.api_key_sealed !== null,
    syncIntervalSeconds: row.sync_interval_seconds,
    enabled: row.enabled,
    automations: { autoAcceptPendingRelationships: row.automations.autoAcceptPendingRelationships === true },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
