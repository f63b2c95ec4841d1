import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { Type } from "typebox";
import {
  createSubscription,
  deleteSubscription,
  subscriptionNotFound,
} from "../subscriptions/manage-subscriptions.ts";
import {
  findSubscription,
  listSubscriptions,
  type SubscriptionRow,
} from "../subscriptions/pubsub-subscriptions-store.ts";
import { errorResponses, NoContent, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";
import {
  CreatedSubscription,
  Subscription,
  SubscriptionId,
  SubscriptionInput,
} from "./subscription-schemas.ts";

type Deps = { db: Pool; pubsub: PubSub; topicName: string };
const tags = ["subscriptions"];

export const subscriptionRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  app.post(
    "/v1/subscriptions",
    {
      config: { scope: "subscriptions:write", idempotent: true },
      schema: {
        tags,
        summary: "Create a Pub/Sub subscription on the events topic for a back end",
        body: SubscriptionInput,
        response: {
          201: resultOf(CreatedSubscription),
          ...errorResponses(400, 409, 422, 502),
        },
      },
    },
    async (request, reply) => {
      const { row, isExact, notes } = await createSubscription(
        deps,
        request.body,
        request.principal.connectorIds,
      );
      return reply.code(201).send({ result: { ...toSubscription(row), isExact, notes } });
    },
  );

  app.get(
    "/v1/subscriptions",
    {
      config: { scope: "subscriptions:read" },
      schema: {
        tags,
        summary: "List the subscriptions created through the API",
        querystring: pageQuery("asc", {}),
        response: { 200: pageOf(Subscription), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order } = request.query;
      return toPage(
        await listSubscriptions(deps.db, { limit, cursor, order }, request.principal.connectorIds),
        limit,
        toSubscription,
      );
    },
  );

  app.get(
    "/v1/subscriptions/:id",
    {
      config: { scope: "subscriptions:read" },
      schema: {
        tags,
        summary: "Read a subscription",
        params: Type.Object({ id: SubscriptionId }),
        response: { 200: resultOf(Subscription), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const row = await findSubscription(deps.db, request.params.id, request.principal.connectorIds);
      if (!row) throw subscriptionNotFound(request.params.id);
      return { result: toSubscription(row) };
    },
  );

  app.delete(
    "/v1/subscriptions/:id",
    {
      config: { scope: "subscriptions:write" },
      schema: {
        tags,
        summary: "Delete the Pub/Sub subscription (its unacknowledged messages are gone)",
        params: Type.Object({ id: SubscriptionId }),
        response: { 204: NoContent, ...errorResponses(400, 404, 502) },
      },
    },
    async (request, reply) => {
      await deleteSubscription(deps, request.params.id, request.principal.connectorIds);
      return reply.code(204).send(null);
    },
  );
};

function toSubscription(row: SubscriptionRow) {
  return {
    id: row.id,
    name: row.name,
    triggers: row.triggers,
    connectorIds: row.connector_ids,
    filter: row.filter,
    ...row.settings,
    createdAt: row.created_at.toISOString(),
  };
}
