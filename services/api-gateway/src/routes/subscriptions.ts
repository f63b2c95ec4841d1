import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { Type } from "typebox";
import { createSubscription, deleteSubscription, subscriptionNotFound } from "../subscriptions/manage-subscriptions.ts";
import { findSubscription, listSubscriptions, type SubscriptionRow } from "../subscriptions/pubsub-subscriptions-store.ts";
import { errorResponses, NoContent, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery, toPage } from "./pagination.ts";
import { ConnectorIds, Triggers } from "./webhook-schemas.ts";

type Deps = { db: Pool; pubsub: PubSub; topicName: string };
const tags = ["subscriptions"];
const SubscriptionId = Type.String({
  pattern: "^sub_[0-9A-Z]{26}$",
  examples: ["sub_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});
const TopicName = Type.String({ pattern: "^(?!goog)[A-Za-z][A-Za-z0-9._~%+-]{2,254}$" });

export const SubscriptionInput = Type.Object(
  {
    name: Type.String({
      ...TopicName,
      description: "The Pub/Sub subscription name",
      examples: ["billing-events"],
    }),
    triggers: Triggers,
    connectorIds: Type.Optional(ConnectorIds),
    ackDeadlineSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 600, default: 60 })),
    retentionSeconds: Type.Optional(Type.Integer({ minimum: 600, maximum: 604800, default: 604800 })),
    ordered: Type.Optional(
      Type.Boolean({ description: "Message ordering (the ordering key is the Connector id)" }),
    ),
    deadLetter: Type.Optional(
      Type.Object(
        {
          topic: Type.String({ ...TopicName, description: "Created when missing" }),
          maxDeliveryAttempts: Type.Integer({ minimum: 5, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
    ),
    pushEndpoint: Type.Optional(Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 2048 })),
  },
  {
    additionalProperties: false,
    description:
      "Triggers become a Pub/Sub filter on the `namespace` attribute: exact names as `=`, `prefix.*`/`prefix.**` as `hasPrefix`; other wildcards are approximated (see `notes`).",
    examples: [{ name: "billing-events", triggers: ["transport.messageReceived"], connectorIds: ["acme"] }],
  },
);

const subscriptionExample = {
  id: "sub_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  name: "billing-events",
  triggers: ["transport.messageReceived"],
  connectorIds: ["acme"],
  filter: '(attributes.namespace = "transport.messageReceived") AND (attributes.connectorId = "acme")',
  ackDeadlineSeconds: 60,
  retentionSeconds: 604800,
  ordered: false,
  deadLetter: null,
  pushEndpoint: null,
  createdAt: "2025-01-01T00:00:00.000Z",
};

const Subscription = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    triggers: Type.Array(Type.String()),
    connectorIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
    filter: Type.String({ description: "The filter Pub/Sub applies; empty: none" }),
    ackDeadlineSeconds: Type.Integer(),
    retentionSeconds: Type.Integer(),
    ordered: Type.Boolean(),
    deadLetter: Type.Union([
      Type.Object({ topic: Type.String(), maxDeliveryAttempts: Type.Integer() }),
      Type.Null(),
    ]),
    pushEndpoint: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: "date-time" }),
  },
  { examples: [subscriptionExample] },
);

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
          201: resultOf(
            Type.Intersect(
              [
                Subscription,
                Type.Object({
                  isExact: Type.Boolean({
                    description: "false: the filter lets more through than the triggers",
                  }),
                  notes: Type.Array(Type.String()),
                }),
              ],
              { examples: [{ ...subscriptionExample, isExact: true, notes: [] }] },
            ),
          ),
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
        querystring: pageQuery({}),
        response: { 200: pageOf(Subscription), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return toPage(
        await listSubscriptions(deps.db, { limit, after: cursor }, request.principal.connectorIds),
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
