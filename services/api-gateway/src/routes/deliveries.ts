import {
  AppError,
  explainWait,
  WAIT_REASONS,
  findDelivery,
  findDeliveryWaitFacts,
  listAttempts,
  listDeliveries,
  type AttemptRow,
  type DeliveryRow,
} from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { parseOptionalDateTime } from "../http/date-time-input.ts";
import { resendDelivery } from "../deliveries/requeue-deliveries.ts";
import { EmptyBody, errorResponses, resultOf } from "./envelopes.ts";
import { pageOf, pageQuery } from "./pagination.ts";

const tags = ["deliveries"];
const DeliveryId = Type.String({
  pattern: "^dlv_[0-9A-Z]{26}$",
  examples: ["dlv_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});
const Time = Type.String({ format: "date-time" });
const NullableTime = Type.Union([Time, Type.Null()]);
const DeliveryStatus = Type.Union([
  Type.Literal("pending"),
  Type.Literal("delivered"),
  Type.Literal("failed"),
  Type.Literal("parked"),
]);

export const deliveryExample = {
  id: "dlv_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  eventId: "evt_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  destinationId: "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  connectorId: "acme",
  status: "failed",
  attemptCount: 1,
  nextAttemptAt: null,
  lastError: "HTTP 500",
  createdAt: "2025-01-01T00:00:00.000Z",
  finishedAt: "2025-01-01T00:00:00.120Z",
};

export const Delivery = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    destinationId: Type.String(),
    connectorId: Type.String(),
    status: Type.String(),
    attemptCount: Type.Integer(),
    nextAttemptAt: Type.Union([Time, Type.Null()], {
      description:
        "When a pending delivery is next due (it may be in flight until then); null once it is delivered, failed or parked.",
    }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Time,
    finishedAt: NullableTime,
  },
  { examples: [deliveryExample] },
);

const Waiting = Type.Union(
  [
    Type.Object({
      reason: Type.Enum(WAIT_REASONS),
      until: Type.Optional(Time),
      detail: Type.String(),
    }),
    Type.Null(),
  ],
  {
    description:
      "Why a pending delivery has not gone yet (rate limits, breakers and in-flight limits hold deliveries back without an attempt); null once it is finished.",
  },
);

const attemptExample = {
  id: "att_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  attemptNumber: 1,
  startedAt: "2025-01-01T00:00:00.000Z",
  durationMs: 120,
  outcome: "failed",
  statusCode: 500,
  responseHeaders: { "content-type": "text/plain" },
  responseBody: "internal error",
  error: null,
  nextAttemptAt: null,
};

const Attempt = Type.Object({
  id: Type.String(),
  attemptNumber: Type.Integer(),
  startedAt: Time,
  durationMs: Type.Integer(),
  outcome: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  responseHeaders: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  responseBody: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: NullableTime,
});

export const deliveryRoutes: FastifyPluginAsyncTypebox<{ db: Pool }> = async (app, { db }) => {
  app.get(
    "/v1/deliveries",
    {
      config: { scope: "deliveries:read" },
      schema: {
        tags,
        summary:
          "List deliveries, newest first or (`order=asc`) oldest first (a key limited to Connectors sees only theirs)",
        querystring: pageQuery("desc", {
          destinationId: Type.Optional(Type.String({ maxLength: 40 })),
          connectorId: Type.Optional(Type.String({ maxLength: 63 })),
          eventId: Type.Optional(Type.String({ maxLength: 40 })),
          status: Type.Optional(DeliveryStatus),
          since: Type.Optional(Type.String({ format: "date-time", description: "Created at or after" })),
          until: Type.Optional(Type.String({ format: "date-time", description: "Created before" })),
        }),
        response: { 200: pageOf(Delivery), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor, order, since, until, ...filter } = request.query;
      const rows = await listDeliveries(
        db,
        { limit, cursor, order },
        {
          ...filter,
          since: parseOptionalDateTime(since, "querystring/since"),
          until: parseOptionalDateTime(until, "querystring/until"),
        },
        request.principal.connectorIds,
      );
      const last = rows.at(-1);
      return { result: rows.map(toDelivery), nextCursor: rows.length === limit && last ? last.id : null };
    },
  );

  app.get(
    "/v1/deliveries/:id",
    {
      config: { scope: "deliveries:read" },
      schema: {
        tags,
        summary: "Read a delivery with its attempts and, while pending, why it waits",
        params: Type.Object({ id: DeliveryId }),
        response: {
          200: resultOf(
            Type.Intersect([Delivery, Type.Object({ waiting: Waiting, attempts: Type.Array(Attempt) })], {
              examples: [{ ...deliveryExample, waiting: null, attempts: [attemptExample] }],
            }),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const row = await findDelivery(db, request.params.id, request.principal.connectorIds);
      if (!row) throw new AppError("error.hub.deliveryNotFound", `no delivery "${request.params.id}"`, 404);
      const [attempts, facts] = await Promise.all([
        listAttempts(db, row.id, request.principal.connectorIds),
        findDeliveryWaitFacts(db, row.id, request.principal.connectorIds),
      ]);
      const waiting = facts ? explainWait(facts) : null;
      return { result: { ...toDelivery(row), waiting, attempts: attempts.map(toAttempt) } };
    },
  );

  app.post(
    "/v1/deliveries/:id/resend",
    {
      config: { scope: "deliveries:write", optionalBody: true },
      schema: {
        tags,
        summary: "Deliver again now, with the whole retry schedule (not while it is pending)",
        params: Type.Object({ id: DeliveryId }),
        body: EmptyBody,
        response: { 202: resultOf(Delivery), ...errorResponses(400, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(202).send({
        result: toDelivery(await resendDelivery(db, request.params.id, request.principal.connectorIds)),
      }),
  );
};

export function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.event_id,
    destinationId: row.destination_id,
    connectorId: row.connector_id,
    status: row.status,
    attemptCount: row.attempt_count,
    // A finished delivery's column still holds its last lease end or retry time: nothing is due then.
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at.toISOString() : null,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

function toAttempt(row: AttemptRow) {
  return {
    id: row.id,
    attemptNumber: row.attempt_number,
    startedAt: row.started_at.toISOString(),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    statusCode: row.status_code,
    responseHeaders: row.response_headers,
    responseBody: row.response_body,
    error: row.error,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
  };
}
