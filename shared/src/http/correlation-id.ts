import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

export const CORRELATION_HEADER = "x-correlation-id";

/** Same bounds as the Connector accepts; anything else is replaced rather than trusted. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-correlation-id (or a fresh UUID), echoed on the response and logged with the request. */
export function registerCorrelationId(app: FastifyInstance): void {
  app.decorateRequest("correlationId", "");
  app.addHook("onRequest", async (request, reply) => {
    const id = correlationIdOf(request) ?? randomUUID();
    request.correlationId = id;
    request.log = request.log.child({ correlationId: id });
    reply.header(CORRELATION_HEADER, id);
  });
}

function correlationIdOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CORRELATION_HEADER];
  const id = Array.isArray(value) ? value[0] : value;
  return id && ACCEPTABLE_ID.test(id) ? id : undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    correlationId: string;
  }
}
