import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "typebox";
import { toRelationshipDto } from "../connector/dto.ts";
import {
  changeRelationship,
  createRelationship,
  type RelationshipAction,
} from "../connector/relationships.ts";
import { takeAcceptFailure } from "../connector/faults.ts";
import { httpErrors } from "../errors.ts";
import type { RelationshipRecord } from "../records.ts";
import { matchesQuery } from "./query-filter.ts";
import { inRequestContext, ok, type ApiRouteOptions } from "./route-context.ts";

const CreateRelationshipBody = Type.Object(
  { templateId: Type.String(), creationContent: Type.Object({ "@type": Type.String() }) },
  { additionalProperties: false },
);

const actions: RelationshipAction[] = ["Accept", "Reject", "Revoke", "Terminate"];

export const relationshipRoutes: FastifyPluginAsync<ApiRouteOptions> = async (
  app,
  { connector, dialect },
) => {
  const toDto = (relationship: RelationshipRecord) =>
    toRelationshipDto(relationship, connector.dtoContext(), dialect);

  app.post<{ Body: Static<typeof CreateRelationshipBody> }>(
    "/Relationships",
    { schema: { body: CreateRelationshipBody } },
    async (request, reply) => {
      const relationship = inRequestContext(connector, request, () =>
        createRelationship(connector, request.body),
      );
      return reply.status(201).send(ok(toDto(relationship)));
    },
  );

  app.get<{ Querystring: Record<string, unknown> }>("/Relationships", async (request) => {
    const dtos = [...connector.store.relationships.values()].map(toDto);
    return ok(dtos.filter((dto) => matchesQuery(dto, request.query)));
  });

  app.get<{ Params: { id: string } }>("/Relationships/:id", async (request) =>
    ok(toDto(connector.findOrThrow(connector.store.relationships, request.params.id, "Relationship"))),
  );

  for (const action of actions) {
    app.put<{ Params: { id: string } }>(`/Relationships/:id/${action}`, async (request) => {
      if (action === "Accept" && takeAcceptFailure(connector.faults)) throw httpErrors.unexpected();
      const relationship = inRequestContext(connector, request, () =>
        changeRelationship(connector, request.params.id, action),
      );
      return ok(toDto(relationship));
    });
  }
};
