import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

export const CORRELATION_HEADER = "x-correlation-id";

/** Same bounds as the Connector accepts; anything else is replaced rather than trusted. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's x-correlation-id (or a fresh UUID), echoed on the response and logged with the request.
 * Call before any route is added: the request's logger is made with it.
 */
export function registerCorrelationId(app: FastifyInstance): void {
  app.decorateRequest("correlationId", "");
  // One child logger per request carrying fastify's request id and the correlation id, not a second
  // child for the latter: pino serialises (and redacts) a child's bindings when it is made, whatever
  // the level, and the second child was 5 % of sync-worker's CPU at 1,500 ingested events/s.
  app.setChildLoggerFactory((logger, bindings, options, rawRequest) =>
    logger.child(
      { ...bindings, correlationId: correlationIdOf(rawRequest) },
      Object.keys(options).length > 0 ? options : undefined,
    ),
  );
  app.addHook("onRequest", async (request, reply) => {
    const id = correlationIdOf(request.raw);
    request.correlationId = id;
    reply.header(CORRELATION_HEADER, id);
  });
}

const assigned = new WeakMap<IncomingMessage, string>();

/** The same id for the logger and the request, however often it is asked for. */
function correlationIdOf(raw: IncomingMessage): string {
  let id = assigned.get(raw);
  if (id === undefined) {
    const value = raw.headers[CORRELATION_HEADER];
    const sent = Array.isArray(value) ? value[0] : value;
    id = sent && ACCEPTABLE_ID.test(sent) ? sent : randomUUID();
    assigned.set(raw, id);
  }
  return id;
}

declare module "fastify" {
  interface FastifyRequest {
    correlationId: string;
  }
}
