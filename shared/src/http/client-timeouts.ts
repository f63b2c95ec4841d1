import type { FastifyServerOptions } from "fastify";
import { answerClientError } from "./client-error-answer.ts";

/** HTTP_REQUEST_TIMEOUT_MS and HTTP_HEADERS_TIMEOUT_MS (config.ts), as a server applies them. */
export type HttpTimeouts = { requestTimeoutMs: number; headersTimeoutMs: number };

/**
 * The fastify server options that bound what a slow client may cost, spread into each service's
 * `Fastify({...})`: a client too slow with its headers or its whole request gets 408 in the error
 * envelope and its connection closed, and what node cannot hand to a route at all (headers too large,
 * bytes that are not HTTP) is answered in the envelope too (client-error-answer.ts).
 */
export function clientTimeoutOptions(timeouts: HttpTimeouts) {
  return {
    requestTimeout: timeouts.requestTimeoutMs,
    http: {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      // node checks both timeouts every connectionsCheckingInterval (30 s by default): far too
      // coarse for a headers timeout of seconds.
      connectionsCheckingInterval: 1000,
    },
    clientErrorHandler: answerClientError,
  } satisfies FastifyServerOptions & { http: object };
}
