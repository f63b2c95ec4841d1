import type { Readable } from "node:stream";
import { AppError } from "@event-hub/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { coreApiScope } from "../core-api-scope.ts";
import { proxyCoreApi, type ProxyDeps } from "../proxy-core-api.ts";
import { ConnectorId } from "./connector-schemas.ts";
import { errorResponses } from "./envelopes.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type ProxyParams = { id: string; "*": string };

/** Paths the hub does not forward need `core:**` to learn that they are 404. */
const UNKNOWN_PATH_SCOPE = "core:unknownPath";

/**
 * `/v1/connectors/{id}/api/*` → the Connector's REST API, so `@nmshd/connector-sdk` works with
 * `baseUrl = <gateway>/v1/connectors/{id}`. Bodies are not parsed here: they stream through.
 */
export async function coreApiProxyRoutes(app: FastifyInstance, deps: ProxyDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
  app.route({
    method: [...METHODS],
    url: "/v1/connectors/:id/api/*",
    config: {
      scope: (request: FastifyRequest) =>
        coreApiScope((request.params as ProxyParams)["*"]) ?? UNKNOWN_PATH_SCOPE,
    },
    schema: {
      tags: ["core api"],
      summary: "The Connector's own REST API (`/api/v2/…` or `/api/core/v1/…`), its API key injected",
      description:
        "Needs the Connector's scope for the path (`core:messages`, `core:requests:incoming`, …; `core:**` for all). " +
        "The Connector's answers, including its error envelopes, pass through unchanged.",
      params: Type.Object({ id: ConnectorId, "*": Type.String({ examples: ["v2/Messages"] }) }),
      response: {
        200: Type.Unknown({
          description: "The Connector's answer (any status), streamed",
          examples: [{ result: [{ id: "MSGxxxxxxxxxxxxxxxxx", content: {} }] }],
        }),
        ...errorResponses(400, 404, 502, 504),
      },
    },
    handler: async (request, reply) => {
      const params = request.params as ProxyParams;
      if (coreApiScope(params["*"]) === undefined) {
        throw new AppError(
          "error.hub.http.routeDoesNotExist",
          "only /api/v2/… and /api/core/v1/… of a Connector are forwarded",
          404,
        );
      }
      const query = request.url.indexOf("?");
      const answer = await proxyCoreApi(deps, {
        connectorId: params.id,
        pathAndQuery: `api/${params["*"]}${query === -1 ? "" : request.url.slice(query)}`,
        method: request.method,
        headers: request.headers,
        body: request.body as Readable | undefined,
        correlationId: request.correlationId,
        connectorIds: request.principal.connectorIds,
      });
      reply.code(answer.status as 200).headers(answer.headers);
      return reply.send(answer.body ?? "");
    },
  });
}
