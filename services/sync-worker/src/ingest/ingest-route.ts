import { AppError, isValidTrigger, useUtf8JsonParser } from "@event-hub/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import { Type } from "typebox";
import { ingestAuthHook, type IngestAuthDeps } from "./ingest-auth.ts";
import { ingestEvent, type IngestDeps } from "./ingest-event.ts";

export type IngestRouteDeps = IngestDeps & IngestAuthDeps;

const IngestBody = Type.Object({
  trigger: Type.String({ minLength: 1, maxLength: 256 }),
  data: Type.Optional(Type.Unknown()),
});

type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

function registerRoute(app: TypedApp, deps: IngestRouteDeps): void {
  app.post(
    "/v1/ingest/:connectorId",
    {
      schema: {
        params: Type.Object({ connectorId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: IngestBody,
      },
      // onRequest, not preHandler: the credential is decided before a byte of the body is read.
      onRequest: ingestAuthHook(deps),
    },
    async (request, reply) => {
      const { trigger, data } = request.body;
      if (!isValidTrigger(trigger)) {
        throw new AppError(
          "error.hub.validation",
          `body/trigger: "${trigger}" is not a dotted event name`,
          400,
        );
      }
      const { event } = await ingestEvent(deps, {
        connectorId: request.params.connectorId,
        trigger,
        data,
        correlationId: request.headers["x-correlation-id"] ? request.correlationId : undefined,
      });
      return reply.code(202).send({ result: { id: event.id } });
    },
  );
}

/**
 * `POST /v1/ingest/{connectorId}` in a context of its own, so its JSON policy (data kept as sent)
 * serves the ingest route and nothing else.
 */
export async function registerIngestRoute(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  await app.register(async (ingest) => {
    // Event data is opaque, the Connector's peers' content: refusing `__proto__` or
    // `constructor.prototype` keys would make their events vanish (the Connector never retries).
    // `JSON.parse` makes such keys own properties and never touches a prototype, so they are
    // harmless as long as nobody merges the data into another object (nothing does: it is only
    // JSON.stringify'd). Bytes that are not UTF-8 are still a 400: they could not be passed on as sent.
    useUtf8JsonParser(ingest, { prototypeKeys: "keep" });
    registerRoute(ingest.withTypeProvider<TypeBoxTypeProvider>(), deps);
  });
}
