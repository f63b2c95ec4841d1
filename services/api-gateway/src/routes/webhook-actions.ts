import type { SecretBox } from "@event-hub/shared";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { Type } from "typebox";
import { createDestinations } from "../webhooks/create-webhook.ts";
import { parseDateTime, parseOptionalDateTime } from "../http/date-time-input.ts";
import { destinationsFromWebhooksConfig } from "../webhooks/import-webhooks-config.ts";
import { recoverDeliveries } from "../deliveries/requeue-deliveries.ts";
import { sendTestEvent } from "../events/send-test-event.ts";
import { disableWebhook, enableWebhook, rotateWebhookSecret } from "../webhooks/update-webhook.ts";
import { toDestination } from "./destination-view.ts";
import { EmptyBody, errorResponses, resultOf } from "./envelopes.ts";
import {
  CreatedDestination,
  Destination,
  EnabledDestination,
  WebhookId,
  WebhooksConfigImport,
} from "./webhook-schemas.ts";

type Deps = { db: Pool; secrets: SecretBox };
const tags = ["webhooks"];
const params = Type.Object({ id: WebhookId });
const ReasonBody = Type.Optional(
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
);

export const webhookActionRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  app.post(
    "/v1/webhooks/:id/enable",
    {
      config: { scope: "webhooks:write", optionalBody: true },
      schema: {
        tags,
        summary: "Enable a destination; its parked deliveries are due again",
        description:
          "Un-parks every parked delivery of the destination (answered as `unparkedDeliveries`). Events that " +
          "arrived while it was disabled got no delivery: `POST /v1/webhooks/{id}/recover` creates them. For an " +
          "ordered destination recover first, then enable, so the created deliveries keep event order.",
        params,
        body: ReasonBody,
        response: { 200: resultOf(EnabledDestination), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { destination, unparked } = await enableWebhook(
        deps.db,
        request.params.id,
        request.principal.connectorIds,
      );
      return { result: { ...toDestination(destination), unparkedDeliveries: unparked } };
    },
  );

  app.post(
    "/v1/webhooks/:id/disable",
    {
      config: { scope: "webhooks:write", optionalBody: true },
      schema: {
        tags,
        summary: "Disable a destination (no new deliveries)",
        params,
        body: ReasonBody,
        response: { 200: resultOf(Destination), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const reason = request.body.reason ?? "disabled through the API";
      return {
        result: toDestination(
          await disableWebhook(deps.db, request.params.id, reason, request.principal.connectorIds),
        ),
      };
    },
  );

  app.post(
    "/v1/webhooks/:id/rotate-secret",
    {
      config: { scope: "webhooks:write", optionalBody: true, idempotent: true },
      schema: {
        tags,
        summary: "Issue a new signing secret; the previous ones keep signing for the grace period",
        params,
        body: Type.Object(
          { graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800, default: 86400 })) },
          { additionalProperties: false },
        ),
        response: {
          201: resultOf(
            Type.Object(
              {
                secret: Type.String({ description: "Shown only now" }),
                previousSecretsExpireAt: Type.String({ format: "date-time" }),
              },
              {
                examples: [
                  {
                    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    previousSecretsExpireAt: "2025-01-02T00:00:00.000Z",
                  },
                ],
              },
            ),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const grace = request.body.graceSeconds ?? 86400;
      const { secret, previousExpiresAt } = await rotateWebhookSecret(
        deps,
        request.params.id,
        grace,
        request.principal.connectorIds,
      );
      return reply
        .code(201)
        .send({ result: { secret, previousSecretsExpireAt: previousExpiresAt.toISOString() } });
    },
  );

  app.post(
    "/v1/webhooks/:id/test",
    {
      config: { scope: "webhooks:write", optionalBody: true, idempotent: true },
      schema: {
        tags,
        summary: "Send a synthetic `hub.test` event through the normal delivery path",
        params,
        body: EmptyBody,
        response: {
          202: resultOf(
            Type.Object(
              { eventId: Type.String(), deliveryId: Type.String() },
              {
                examples: [
                  { eventId: "evt_01J9ZQ3V4K6X8B2N5M7P9R1T3W", deliveryId: "dlv_01J9ZQ3V4K6X8B2N5M7P9R1T3W" },
                ],
              },
            ),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const result = await sendTestEvent(
        deps.db,
        request.params.id,
        request.correlationId,
        request.principal.connectorIds,
      );
      return reply.code(202).send({ result });
    },
  );

  app.post(
    "/v1/webhooks/import",
    {
      config: { scope: "webhooks:write", idempotent: true },
      schema: {
        tags,
        summary: "Create the destinations equivalent to a Connector's `modules.webhooks` config",
        description:
          "One webhook destination per `webhooks` entry, sending what the Connector's module sends: POST of " +
          "`{trigger, data}`, the first `{{trigger}}` in the URL filled, the target's headers and ApiKey or " +
          "OAuth2 authentication, `x-correlation-id`. One difference: an event matching several triggers of " +
          "one entry is delivered once (one delivery per event and destination), where the Connector posts " +
          "once per matching trigger.",
        body: WebhooksConfigImport,
        response: { 201: resultOf(Type.Array(CreatedDestination)), ...errorResponses(400, 409, 422) },
      },
    },
    async (request, reply) => {
      const { connectorIds, ...config } = request.body;
      const created = await createDestinations(
        deps,
        destinationsFromWebhooksConfig(config, connectorIds),
        request.principal.connectorIds,
      );
      return reply.code(201).send({
        result: created.map(({ destination, secret, warnings }) => ({
          ...toDestination(destination),
          secret,
          warnings,
        })),
      });
    },
  );

  app.post(
    "/v1/webhooks/:id/recover",
    {
      config: { scope: "deliveries:write" },
      schema: {
        tags,
        summary: "Recover in one call: re-queue failed and parked deliveries, create the missing ones",
        description:
          "Re-queues the destination's failed and parked deliveries created in [since, until), then creates the " +
          "deliveries of events stored in [since, until) that it takes (Connector scope and trigger patterns, " +
          "as the dispatcher routes) but has none of — the events that arrived while it was disabled. At most " +
          "`limit` in all; `limitReached` says to call again. Works on a disabled destination too: what it " +
          "queues waits until `enable`. For an ordered destination recover before enabling, so the created " +
          "deliveries (in event order) come before newer events.",
        params,
        body: Type.Object(
          {
            since: Type.String({ format: "date-time" }),
            until: Type.Optional(Type.String({ format: "date-time", description: "Default: now" })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
          },
          { additionalProperties: false, examples: [{ since: "2025-01-01T00:00:00Z" }] },
        ),
        response: {
          202: resultOf(
            Type.Object(
              {
                requeuedFailed: Type.Integer({ description: "Failed deliveries re-queued" }),
                requeuedParked: Type.Integer({ description: "Parked deliveries re-queued" }),
                created: Type.Integer({
                  description: "Deliveries created for events the destination missed",
                }),
                limitReached: Type.Boolean({ description: "true: more may be left; call again" }),
              },
              { examples: [{ requeuedFailed: 3, requeuedParked: 40, created: 1957, limitReached: false }] },
            ),
          ),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { since, until, limit } = request.body;
      const result = await recoverDeliveries(
        deps.db,
        request.params.id,
        {
          since: parseDateTime(since, "body/since"),
          until: parseOptionalDateTime(until, "body/until") ?? new Date(),
          limit: limit ?? 1000,
        },
        request.principal.connectorIds,
      );
      return reply.code(202).send({ result });
    },
  );
};
