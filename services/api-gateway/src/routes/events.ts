import {
  AppError,
  isValidTriggerPattern,
  listDeliveriesOfEvent,
  findEvent,
  listEvents,
  triggerPatternRegex,
  type EventRow,
} from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { parseOptionalDateTime } from "../http/date-time-input.ts";
import { redeliverEvent } from "../events/redeliver-event.ts";
import { Delivery, deliveryExample, toDelivery } from "./deliveries.ts";
import { errorResponses, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery } from "./pagination.ts";
import { WebhookId } from "./webhook-schemas.ts";

const tags = ["events"];
const EventId = Type.String({ pattern: "^evt_[0-9A-Z]{26}$", examples: ["evt_01J9ZQ3V4K6X8B2N5M7P9R1T3W"] });

const eventExample = {
  id: "evt_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  connectorId: "acme",
  trigger: "transport.messageReceived",
  data: { id: "MSGxxxxxxxxxxxxxxxxx", createdBy: "did:e:localhost:dids:0123456789abcdef012345" },
  correlationId: "3f2b7c1e-6d4a-4a8e-9a51-0c2f7d9e1b44",
  occurredAt: "2025-01-01T00:00:00.000Z",
  storedAt: "2025-01-01T00:00:00.050Z",
};

const Event = Type.Object(
  {
    id: Type.String(),
    connectorId: Type.String(),
    trigger: Type.String(),
    data: Type.Unknown({ description: "The event data exactly as the Connector sent it" }),
    correlationId: Type.Union([Type.String(), Type.Null()]),
    occurredAt: Type.String({ format: "date-time" }),
    storedAt: Type.String({ format: "date-time" }),
  },
  { examples: [eventExample] },
);

export const eventRoutes: FastifyPluginAsyncTypebox<{ db: Pool }> = async (app, { db }) => {
  app.get(
    "/v1/events",
    {
      config: { scope: "events:read" },
      schema: {
        tags,
        summary:
          "List stored events, newest first or (`order=asc`) oldest first (a key limited to Connectors sees only theirs)",
        querystring: pageQuery("desc", {
          trigger: Type.Optional(
            Type.String({
              maxLength: 256,
              description: "Trigger pattern (`*` one segment, `**` any)",
              examples: ["transport.*"],
            }),
          ),
          connectorId: Type.Optional(Type.String({ maxLength: 63 })),
          correlationId: Type.Optional(Type.String({ maxLength: 128 })),
          since: Type.Optional(Type.String({ format: "date-time", description: "Occurred at or after" })),
          until: Type.Optional(Type.String({ format: "date-time", description: "Occurred before" })),
        }),
        response: { 200: pageOf(Event), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order, trigger, since, until, ...filter } = request.query;
      if (trigger !== undefined && !isValidTriggerPattern(trigger)) {
        throw new AppError(
          "error.hub.validation",
          `querystring/trigger: "${trigger}" is not a trigger pattern`,
          400,
        );
      }
      const rows = await listEvents(
        db,
        { limit, cursor, order },
        {
          ...filter,
          triggerRegex: trigger === undefined ? undefined : triggerPatternRegex(trigger),
          since: parseOptionalDateTime(since, "querystring/since"),
          until: parseOptionalDateTime(until, "querystring/until"),
        },
        request.principal.connectorIds,
      );
      const last = rows.at(-1);
      return { result: rows.map(toEvent), nextCursor: rows.length === limit && last ? last.id : null };
    },
  );

  app.get(
    "/v1/events/:id",
    {
      config: { scope: "events:read" },
      schema: {
        tags,
        summary: "Read an event with its deliveries",
        params: Type.Object({ id: EventId }),
        response: {
          200: resultOf(
            Type.Intersect([Event, Type.Object({ deliveries: Type.Array(Delivery) })], {
              examples: [{ ...eventExample, deliveries: [deliveryExample] }],
            }),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const row = await findEvent(db, request.params.id, request.principal.connectorIds);
      if (!row) throw new AppError("error.hub.eventNotFound", `no event "${request.params.id}"`, 404);
      const deliveries = await listDeliveriesOfEvent(db, row.id, request.principal.connectorIds);
      return { result: { ...toEvent(row), deliveries: deliveries.map(toDelivery) } };
    },
  );

  app.post(
    "/v1/events/:id/redeliver",
    {
      config: { scope: "events:write", optionalBody: true, idempotent: true },
      schema: {
        tags,
        summary: "Deliver the event again: to the named destinations, or to every one that matches it now",
        description:
          "A delivery of the event that is still pending is not re-queued (it is attempted on its own schedule): " +
          "it is named in `skipped` with its reason. When that leaves nothing to re-queue, the answer is 409 " +
          "`error.hub.deliveriesStillPending` naming the pending deliveries.",
        params: Type.Object({ id: EventId }),
        body: Type.Object(
          { destinationIds: Type.Optional(Type.Array(WebhookId, { minItems: 1, maxItems: 100 })) },
          { additionalProperties: false },
        ),
        response: {
          202: resultOf(
            Type.Object(
              {
                deliveryIds: Type.Array(Type.String(), { description: "The deliveries now due" }),
                skipped: Type.Array(
                  Type.Object({
                    deliveryId: Type.String(),
                    destinationId: Type.String(),
                    reason: Type.Literal("still_pending", {
                      description:
                        "`still_pending`: the delivery has not finished; it is attempted on its own schedule",
                    }),
                  }),
                  {
                    description:
                      "Deliveries of the event to the destinations that were not re-queued, and why",
                  },
                ),
              },
              {
                examples: [
                  {
                    deliveryIds: ["dlv_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
                    skipped: [
                      {
                        deliveryId: "dlv_01J9ZQ3V4K6X8B2N5M7P9R1T3X",
                        destinationId: "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3X",
                        reason: "still_pending",
                      },
                    ],
                  },
                ],
              },
            ),
          ),
          ...errorResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const result = await redeliverEvent(
        db,
        request.params.id,
        request.body.destinationIds,
        request.principal.connectorIds,
      );
      return reply.code(202).send({ result });
    },
  );
};

function toEvent(row: EventRow) {
  return {
    id: row.id,
    connectorId: row.connector_id,
    trigger: row.trigger,
    data: row.data,
    correlationId: row.correlation_id,
    occurredAt: row.occurred_at.toISOString(),
    storedAt: row.stored_at.toISOString(),
  };
}
