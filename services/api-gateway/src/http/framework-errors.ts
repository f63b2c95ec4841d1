import { errorEnvelope } from "@event-hub/shared";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/**
 * Answers the router's own refusals — a malformed percent-encoding (`/%zz/…`, 400) and a path
 * parameter longer than the router takes (414) — in the Connector's envelope like every other
 * error. Fastify sends these before any route or error handler runs, so they come here
 * (`frameworkErrors`); anything else it reports this way is a bare 500.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      void reply
        .code(400)
        .send(errorEnvelope("error.hub.http.badUrl", "The URL path is not validly percent-encoded."));
      return;
    case "FST_ERR_MAX_PARAM_LENGTH":
      void reply
        .code(414)
        .send(errorEnvelope("error.hub.http.uriTooLong", "A path segment of the URL is too long."));
      return;
    default:
      void reply.code(500).send(errorEnvelope("error.hub.unexpected", "An unexpected error occurred."));
  }
}
