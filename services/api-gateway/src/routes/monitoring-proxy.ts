import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { proxyCoreApi, type ProxyDeps } from "../core-api/proxy-core-api.ts";
import { ConnectorId } from "./connector-schemas.ts";
import { errorResponses } from "./envelopes.ts";

/** The Connector's monitoring routes besides `/health`, each under its own scope. */
const MONITORING = ["Version", "Requests", "Support"] as const;
type MonitoringParams = { id: string; name: (typeof MONITORING)[number] };

/**
 * The Connector's un-enveloped routes outside its API prefix, which `@nmshd/connector-sdk`'s
 * `monitoring` endpoint calls relative to `baseUrl`: `/health` and `/Monitoring/{Version,Requests,Support}`.
 * Scopes are the Connector's own (`monitoring:version`, …); `/health`, open on the Connector, needs
 * `monitoring:health` here because the gateway answers for many Connectors. `monitoring:*` covers all.
 */
export async function monitoringProxyRoutes(app: FastifyInstance, deps: ProxyDeps): Promise<void> {
  const answer = async (request: FastifyRequest, reply: FastifyReply, segments: string[]) => {
    const proxied = await proxyCoreApi(deps, {
      connectorId: (request.params as { id: string }).id,
      segments,
      query: "",
      method: "GET",
      headers: request.headers,
      body: undefined,
      correlationId: request.correlationId,
      connectorIds: request.principal.connectorIds,
    });
    reply.code(proxied.status as 200).headers(proxied.headers);
    return reply.send(proxied.body ?? "");
  };
  const passedThrough = (example: unknown) =>
    Type.Unknown({ description: "The Connector's answer (any status), unchanged", examples: [example] });

  app.get(
    "/v1/connectors/:id/health",
    {
      config: { scope: "monitoring:health" },
      schema: {
        tags: ["core api"],
        summary: "The Connector's `/health` (500 with the same body when it is unhealthy)",
        params: Type.Object({ id: ConnectorId }),
        response: {
          200: passedThrough({ isHealthy: true, services: { database: "healthy" } }),
          ...errorResponses(400, 404, 502, 504),
        },
      },
    },
    (request, reply) => answer(request, reply, ["health"]),
  );

  app.get(
    "/v1/connectors/:id/Monitoring/:name",
    {
      config: {
        scope: (request: FastifyRequest) =>
          `monitoring:${(request.params as MonitoringParams).name.toLowerCase()}`,
      },
      schema: {
        tags: ["core api"],
        summary: "The Connector's `/Monitoring/Version`, `/Monitoring/Requests` or `/Monitoring/Support`",
        description:
          "Needs the Connector's scope: `monitoring:version`, `monitoring:requests`, `monitoring:support`.",
        params: Type.Object({
          id: ConnectorId,
          name: Type.Union(MONITORING.map((name) => Type.Literal(name))),
        }),
        response: {
          200: passedThrough({ version: "6.0.0", build: "1", date: "2025-01-01", commit: "abc123" }),
          ...errorResponses(400, 404, 502, 504),
        },
      },
    },
    (request, reply) => answer(request, reply, ["Monitoring", (request.params as MonitoringParams).name]),
  );
}
