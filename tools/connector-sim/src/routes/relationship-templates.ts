import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "typebox";
import { toTemplateDto } from "../connector/dto.ts";
import { createOwnTemplate, loadPeerTemplate } from "../connector/templates.ts";
import type { TemplateRecord } from "../records.ts";
import { matchesQuery } from "./query-filter.ts";
import { inRequestContext, ok, type ApiRouteOptions } from "./route-context.ts";

const CreateOwnTemplateBody = Type.Object(
  {
    content: Type.Object({ "@type": Type.String() }),
    expiresAt: Type.String(),
    maxNumberOfAllocations: Type.Optional(Type.Integer({ minimum: 1 })),
    forIdentity: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const LoadPeerTemplateBody = Type.Object(
  { reference: Type.String(), password: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const relationshipTemplateRoutes: FastifyPluginAsync<ApiRouteOptions> = async (app, options) => {
  const { connector, dialect } = options;
  const toDto = (template: TemplateRecord) => toTemplateDto(template, connector.address, dialect);
  const list = (isOwn: boolean | undefined, query: Record<string, unknown>) =>
    [...connector.store.templates.values()]
      .map(toDto)
      .filter((dto) => isOwn === undefined || dto.isOwn === isOwn)
      .filter((dto) => matchesQuery(dto, query));

  app.post<{ Body: Static<typeof CreateOwnTemplateBody> }>(
    "/RelationshipTemplates/Own",
    { schema: { body: CreateOwnTemplateBody } },
    async (request, reply) => {
      const template = inRequestContext(connector, request, () => createOwnTemplate(connector, request.body));
      return reply.status(201).send(ok(toDto(template)));
    },
  );

  app.post<{ Body: Static<typeof LoadPeerTemplateBody> }>(
    "/RelationshipTemplates/Peer",
    { schema: { body: LoadPeerTemplateBody } },
    async (request, reply) => {
      const template = inRequestContext(connector, request, () =>
        loadPeerTemplate(connector, request.body.reference),
      );
      return reply.status(201).send(ok(toDto(template)));
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>("/RelationshipTemplates", async (r) =>
    ok(list(undefined, r.query)),
  );
  app.get<{ Querystring: Record<string, unknown> }>("/RelationshipTemplates/Own", async (r) =>
    ok(list(true, r.query)),
  );
  app.get<{ Querystring: Record<string, unknown> }>("/RelationshipTemplates/Peer", async (r) =>
    ok(list(false, r.query)),
  );

  app.get<{ Params: { id: string } }>("/RelationshipTemplates/:id", async (request) =>
    ok(toDto(connector.findOrThrow(connector.store.templates, request.params.id, "RelationshipTemplate"))),
  );
};
