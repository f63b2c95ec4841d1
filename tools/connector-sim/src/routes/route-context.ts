import type { FastifyRequest } from "fastify";
import type { SimConnector } from "../connector/connector.ts";
import type { DtoDialect } from "../connector/dto.ts";

/** Options every API route plugin gets: the Connector and which API generation it serves. */
export type ApiRouteOptions = { connector: SimConnector; dialect: DtoDialect };

/** Runs a use case in the request's correlation context (`x-correlation-id` or a new uuid). */
export function inRequestContext<T>(connector: SimConnector, request: FastifyRequest, fn: () => T): T {
  const header = request.headers["x-correlation-id"];
  const correlationId = Array.isArray(header) ? header[0] : header;
  return connector.withCorrelationId(correlationId || undefined, fn);
}

export function ok(result: unknown): { result: unknown } {
  return { result };
}
