import {
  errorCodes,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyTypeProvider,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Replaces fastify's JSON parser in the context it is registered in (the ingest route only) by one
 * that takes any valid JSON. fastify's own (secure-json-parse) refuses `__proto__` and
 * `constructor.prototype` keys with 400, but event data is the Connector's peers' content: refusing
 * it makes their events vanish (the Connector never retries). `JSON.parse` creates such keys as own
 * properties and never touches a prototype, so they are harmless as long as nobody merges the data
 * into another object (nothing does: it is only JSON.stringify'd). Bytes that are not UTF-8 are not
 * JSON (RFC 8259 §8.1) and get the same 400 as any invalid JSON, instead of being replaced silently.
 */
export function useOpaqueJsonParser<Provider extends FastifyTypeProvider>(
  app: FastifyInstance<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    FastifyBaseLogger,
    Provider
  >,
): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    if (body.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
    try {
      done(null, JSON.parse(utf8.decode(body as Buffer)) as unknown);
    } catch {
      done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    }
  });
}
