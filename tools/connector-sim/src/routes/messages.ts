import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "typebox";
import { toMessageDto } from "../connector/dto.ts";
import { sendMessage } from "../connector/messages.ts";
import { matchesQuery } from "./query-filter.ts";
import { inRequestContext, ok, type ApiRouteOptions } from "./route-context.ts";

const SendMessageBody = Type.Object(
  {
    recipients: Type.Array(Type.String(), { minItems: 1, uniqueItems: true }),
    content: Type.Object({ "@type": Type.String() }),
    attachments: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const messageRoutes: FastifyPluginAsync<ApiRouteOptions> = async (app, { connector }) => {
  app.post<{ Body: Static<typeof SendMessageBody> }>(
    "/Messages",
    { schema: { body: SendMessageBody } },
    async (request, reply) => {
      const message = inRequestContext(connector, request, () => sendMessage(connector, request.body));
      return reply.status(201).send(ok(toMessageDto(message, connector.address)));
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>("/Messages", async (request) => {
    const dtos = [...connector.store.messages.values()].map((m) => toMessageDto(m, connector.address));
    return ok(dtos.filter((dto) => matchesQuery(dto, request.query)));
  });

  app.get<{ Params: { id: string } }>("/Messages/:id", async (request) => {
    const message = connector.findOrThrow(connector.store.messages, request.params.id, "Message");
    return ok(toMessageDto(message, connector.address));
  });
};
