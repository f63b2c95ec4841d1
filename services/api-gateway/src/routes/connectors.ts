import type { SecretBox } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { registerConnector, rotateIngestCredential } from "../connectors/register-connector.ts";
import {
  deleteConnector,
  findConnector,
  findSyncState,
  listConnectors,
  listSyncStates,
  type ConnectorRow,
  type SyncStateRow,
} from "../connectors/connectors-store.ts";
import { connectorNotFound, requestConnectorSync, updateConnector } from "../connectors/update-connector.ts";
import {
  Connector,
  ConnectorId,
  ConnectorInput,
  ConnectorPatch,
  ConnectorWithStatus,
  IngestCredential,
  RegisteredConnector,
} from "./connector-schemas.ts";
import { EmptyBody, errorResponses, NoContent, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";

type Deps = { db: Pool; secrets: SecretBox; ingestBaseUrl: string };
const tags = ["connectors"];
const params = Type.Object({ id: ConnectorId });

export const connectorRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  app.post(
    "/v1/connectors",
    {
      config: { scope: "connectors:write", idempotent: true },
      schema: {
        tags,
        summary: "Register a Connector; answers the ingest URL and credential for its webhooks module once",
        description:
          "Needs a key not limited to Connectors (403 otherwise): a new Connector is a new tenant.",
        body: ConnectorInput,
        response: {
          201: resultOf(RegisteredConnector),
          ...errorResponses(400, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { connector, ingest } = await registerConnector(
        deps,
        request.body,
        request.principal.connectorIds,
      );
      return reply.code(201).send({ result: { connector: toConnector(connector), ingest } });
    },
  );

  app.get(
    "/v1/connectors",
    {
      config: { scope: "connectors:read" },
      schema: {
        tags,
        summary: "List Connectors with their sync status (a key limited to Connectors sees only those)",
        querystring: pageQuery("asc", {}, ConnectorId),
        response: { 200: pageOf(ConnectorWithStatus), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order } = request.query;
      const rows = await listConnectors(deps.db, { limit, cursor, order }, request.principal.connectorIds);
      const states = await listSyncStates(
        deps.db,
        rows.map((row) => row.id),
      );
      return toPage(rows, limit, (row) => ({ ...toConnector(row), sync: toSyncStatus(states.get(row.id)) }));
    },
  );

  app.get(
    "/v1/connectors/:id",
    {
      config: { scope: "connectors:read" },
      schema: {
        tags,
        summary: "Read a Connector with its sync status",
        params,
        response: { 200: resultOf(ConnectorWithStatus), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const row = await findConnector(deps.db, request.params.id, request.principal.connectorIds);
      if (!row) throw connectorNotFound(request.params.id);
      const sync = await findSyncState(deps.db, row.id);
      return { result: { ...toConnector(row), sync: toSyncStatus(sync) } };
    },
  );

  app.patch(
    "/v1/connectors/:id",
    {
      config: { scope: "connectors:write" },
      schema: {
        tags,
        summary: "Change a Connector's settings",
        params,
        body: ConnectorPatch,
        response: { 200: resultOf(Connector), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({
      result: toConnector(
        await updateConnector(deps, request.params.id, request.body, request.principal.connectorIds),
      ),
    }),
  );

  app.delete(
    "/v1/connectors/:id",
    {
      config: { scope: "connectors:write" },
      schema: {
        tags,
        summary: "Remove a Connector (its ingest credential stops working; stored events stay)",
        params,
        response: { 204: NoContent, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deleteConnector(deps.db, request.params.id, request.principal.connectorIds)))
        throw connectorNotFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/v1/connectors/:id/sync",
    {
      config: { scope: "connectors:write", optionalBody: true },
      schema: {
        tags,
        summary: "Sync now: sync-worker syncs the Connector with the Backbone as soon as it can",
        params,
        body: EmptyBody,
        response: {
          202: resultOf(
            Type.Object(
              { connectorId: Type.String(), syncRequestedAt: Type.String({ format: "date-time" }) },
              { examples: [{ connectorId: "acme", syncRequestedAt: "2025-01-01T00:00:00.000Z" }] },
            ),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const requestedAt = await requestConnectorSync(
        deps.db,
        request.params.id,
        request.principal.connectorIds,
      );
      return reply
        .code(202)
        .send({ result: { connectorId: request.params.id, syncRequestedAt: requestedAt.toISOString() } });
    },
  );

  app.post(
    "/v1/connectors/:id/ingest-credential",
    {
      config: { scope: "connectors:write", optionalBody: true, idempotent: true },
      schema: {
        tags,
        summary: "Issue a new ingest credential (the old one stops working)",
        params,
        body: EmptyBody,
        response: { 201: resultOf(IngestCredential), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const ingest = await rotateIngestCredential(deps, request.params.id, request.principal.connectorIds);
      return reply.code(201).send({ result: ingest });
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
    brokerSubscription: row.broker_subscription,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toSyncStatus(state: SyncStateRow | undefined) {
  const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
  const succeeded = state?.last_succeeded_at;
  return {
    nextSyncAt: iso(state?.next_sync_at),
    syncRequestedAt: iso(state?.sync_requested_at),
    lastStartedAt: iso(state?.last_started_at),
    lastSucceededAt: iso(succeeded),
    lastFailedAt: iso(state?.last_failed_at),
    lastError: state?.last_error ?? null,
    consecutiveFailures: state?.consecutive_failures ?? 0,
    lagSeconds: succeeded ? Math.max(0, (Date.now() - succeeded.getTime()) / 1000) : null,
  };
}
