import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "typebox";
import { toRequestDto } from "../connector/dto.ts";
import { decideIncomingRequest, type DecideItem } from "../connector/incoming-requests.ts";
import { createOutgoingRequest } from "../connector/outgoing-requests.ts";
import { recordNotFound } from "../errors.ts";
import type { JsonObject } from "../records.ts";
import { matchesQuery } from "./query-filter.ts";
import { inRequestContext, ok, type ApiRouteOptions } from "./route-context.ts";

const CreateOutgoingRequestBody = Type.Object(
  {
    content: Type.Object({ items: Type.Array(Type.Object({}), { minItems: 1 }) }),
    peer: Type.String(),
  },
  { additionalProperties: false },
);

const DecideBody = Type.Object({ items: Type.Array(Type.Object({})) }, { additionalProperties: false });

export const requestRoutes: FastifyPluginAsync<ApiRouteOptions> = async (app, { connector }) => {
  const list = (isOwn: boolean, query: Record<string, unknown>) =>
    [...connector.store.requests.values()]
      .filter((r) => r.isOwn === isOwn)
      .map(toRequestDto)
      .filter((dto) => matchesQuery(dto, query));
  const find = (id: string, isOwn: boolean) => {
    const request = connector.store.requests.get(id);
    if (!request || request.isOwn !== isOwn) throw recordNotFound("Request");
    return toRequestDto(request);
  };

  app.post<{ Body: Static<typeof CreateOutgoingRequestBody> }>(
    "/Requests/Outgoing",
    { schema: { body: CreateOutgoingRequestBody } },
    async (request, reply) => {
      const input = request.body as { content: JsonObject & { items: JsonObject[] }; peer: string };
      const created = inRequestContext(connector, request, () => createOutgoingRequest(connector, input));
      return reply.status(201).send(ok(toRequestDto(created)));
    },
  );
  app.get<{ Querystring: Record<string, unknown> }>("/Requests/Outgoing", async (r) =>
    ok(list(true, r.query)),
  );
  app.get<{ Params: { id: string } }>("/Requests/Outgoing/:id", async (r) => ok(find(r.params.id, true)));
  app.get<{ Querystring: Record<string, unknown> }>("/Requests/Incoming", async (r) =>
    ok(list(false, r.query)),
  );
  app.get<{ Params: { id: string } }>("/Requests/Incoming/:id", async (r) => ok(find(r.params.id, false)));

  for (const [action, accept] of [
    ["Accept", true],
    ["Reject", false],
  ] as const) {
    app.put<{ Params: { id: string }; Body: Static<typeof DecideBody> }>(
      `/Requests/Incoming/:id/${action}`,
      { schema: { body: DecideBody } },
      async (request) => {
        const items = request.body.items as DecideItem[];
        return ok(
          inRequestContext(connector, request, () =>
            decideIncomingRequest(connector, request.params.id, { accept, items }),
          ),
        );
      },
    );
  }
};
