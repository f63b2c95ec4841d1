import type { Readable } from "node:stream";
import { AppError } from "@event-hub/shared";
import type { FastifyInstance, FastifyRequest, FastifySchema } from "fastify";
import { Type } from "typebox";
import { coreApiRoute } from "../core-api/core-api-scope.ts";
import { forwardedPath, type ForwardedPath } from "../core-api/forwarded-path.ts";
import { proxyCoreApi, type ProxyDeps } from "../core-api/proxy-core-api.ts";
import { ConnectorId } from "./connector-schemas.ts";
import { errorResponses } from "./envelopes.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type ProxyParams = { id: string; "*": string };

/** Paths the hub does not forward need `core:**` to learn that they are 404. */
const UNKNOWN_PATH_SCOPE = "core:unknownPath";

/** `/v1/connectors/{id}/api/` before the forwarded path. */
const FIXED_SEGMENTS = 4;

const ForwardedPathParam = Type.String({
  description: "The Core API path after `/api/`, slashes included",
  examples: ["v2/Messages"],
});

/**
 * The router's wildcard parameter is named `*`, which the OpenAPI document would show as `{*}` and
 * a client generator cannot name; the document calls it `path`. The route itself is unchanged.
 */
function documentWildcardAsPath({ schema, url }: { schema: FastifySchema; url: string }) {
  return {
    url: url.replace(/\*$/, ":path"),
    schema: { ...schema, params: Type.Object({ id: ConnectorId, path: ForwardedPathParam }) },
  };
}

/**
 * The request's forwarded path (400 `error.hub.proxy.invalidPath` when it is not plain), read from
 * the URL as sent: the router's decoded `*` cannot tell `%2F` from `/`. It must still agree with
 * the route the router matched, so a URL rewritten on the way can never be forwarded as another.
 */
function pathOf(request: FastifyRequest): ForwardedPath {
  const path = forwardedPath(request.url, FIXED_SEGMENTS);
  if (path.segments.join("/") !== (request.params as ProxyParams)["*"]) {
    throw new AppError("error.hub.proxy.invalidPath", "the forwarded path is not allowed", 400);
  }
  return path;
}

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
      swaggerTransform: documentWildcardAsPath,
      // Runs once the key is known (401 first), so an invalid path is a 400 for any valid key.
      scope: (request: FastifyRequest) =>
        coreApiRoute(pathOf(request).segments)?.scopes ?? UNKNOWN_PATH_SCOPE,
    },
    schema: {
      tags: ["core api"],
      summary: "The Connector's own REST API (`/api/v2/…` or `/api/core/v1/…`), its API key injected",
      description:
        "Needs the Connector's scope for the path (`core:messages`, `core:requests:incoming`, …; `core:**` for all). " +
        "The Connector's answers, including its error envelopes, pass through unchanged; redirects are not followed. " +
        "The path is forwarded only when it is plain: a dot segment (`.`, `..`, also `%2e`), an encoded `/` or `\\` " +
        "(also double-encoded), a raw `\\`, an empty segment or a control character is refused with 400 " +
        "`error.hub.proxy.invalidPath`. Only `accept`, `accept-language`, `content-type`, `if-match`, " +
        "`if-modified-since`, `if-none-match`, `if-unmodified-since`, `range` and `user-agent` are forwarded. " +
        "A Connector whose address the hub's SSRF policy refuses answers 502 `error.hub.connectorAddressNotAllowed`.",
      params: Type.Object({
        id: ConnectorId,
        "*": ForwardedPathParam,
      }),
      response: {
        200: Type.Unknown({
          description: "The Connector's answer (any status), streamed",
          examples: [{ result: [{ id: "MSGxxxxxxxxxxxxxxxxx", content: {} }] }],
        }),
        ...errorResponses(400, 404, 502, 504),
      },
    },
    handler: async (request, reply) => {
      const path = pathOf(request);
      if (coreApiRoute(path.segments) === undefined) {
        throw new AppError(
          "error.hub.http.routeDoesNotExist",
          "only /api/v2/… and /api/core/v1/… of a Connector are forwarded",
          404,
        );
      }
      const answer = await proxyCoreApi(deps, {
        connectorId: (request.params as ProxyParams).id,
        segments: ["api", ...path.segments],
        query: path.query,
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
