import type { SecretBox } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { createWebhook } from "../webhooks/create-webhook.ts";
import { listDestinations } from "../webhooks/destinations-store.ts";
import { findWebhook, removeWebhook, updateWebhook } from "../webhooks/update-webhook.ts";
import { toDestination } from "./destination-view.ts";
import { errorResponses, exampleOf, NoContent, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";
import {
  CreatedDestination,
  Destination,
  DestinationInput,
  DestinationPatch,
  WebhookId,
} from "./webhook-schemas.ts";

type Deps = { db: Pool; secrets: SecretBox };
const tags = ["webhooks"];
const params = Type.Object({ id: WebhookId });

export const webhookRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  app.post(
    "/v1/webhooks",
    {
      config: { scope: "webhooks:write", idempotent: true },
      schema: {
        tags,
        summary: "Create a destination (webhook, AMQP or batch); its signing secret is returned once",
        body: DestinationInput,
        response: { 201: resultOf(CreatedDestination), ...errorResponses(400, 409, 422) },
      },
    },
    async (request, reply) => {
      const { destination, secret, warnings } = await createWebhook(
        deps,
        request.body,
        request.principal.connectorIds,
      );
      return reply.code(201).send({ result: { ...toDestination(destination), secret, warnings } });
    },
  );

  app.get(
    "/v1/webhooks",
    {
      config: { scope: "webhooks:read" },
      schema: {
        tags,
        summary: "List destinations (a key limited to Connectors sees those limited to its Connectors)",
        querystring: pageQuery("asc", {
          type: Type.Optional(
            Type.Union([Type.Literal("webhook"), Type.Literal("amqp"), Type.Literal("batch")]),
          ),
          enabled: Type.Optional(Type.Boolean()),
          connectorId: Type.Optional(
            Type.String({ maxLength: 63, description: "Destinations that get its events" }),
          ),
        }),
        response: { 200: pageOf(Destination), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order, ...filter } = request.query;
      return toPage(
        await listDestinations(deps.db, { limit, cursor, order }, filter, request.principal.connectorIds),
        limit,
        toDestination,
      );
    },
  );

  app.get(
    "/v1/webhooks/:id",
    {
      config: { scope: "webhooks:read" },
      schema: {
        tags,
        summary: "Read a destination (never its secrets)",
        params,
        response: { 200: resultOf(Destination), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({
      result: toDestination(await findWebhook(deps.db, request.params.id, request.principal.connectorIds)),
    }),
  );

  app.patch(
    "/v1/webhooks/:id",
    {
      config: { scope: "webhooks:write" },
      schema: {
        tags,
        summary: "Change a destination; absent fields keep their value, `authentication: null` removes it",
        params,
        body: DestinationPatch,
        response: {
          200: resultOf(
            Type.Intersect([Destination, Type.Object({ warnings: Type.Array(Type.String()) })], {
              examples: [{ ...(exampleOf(Destination) as object), warnings: [] }],
            }),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { destination, warnings } = await updateWebhook(
        deps,
        request.params.id,
        request.body,
        request.principal.connectorIds,
      );
      return { result: { ...toDestination(destination), warnings } };
    },
  );

  app.delete(
    "/v1/webhooks/:id",
    {
      config: { scope: "webhooks:write" },
      schema: {
        tags,
        summary: "Delete a destination with its deliveries",
        params,
        response: { 204: NoContent, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await removeWebhook(deps.db, request.params.id, request.principal.connectorIds);
      return reply.code(204).send(null);
    },
  );
};
