import {
  errorCodes,
  type FastifyBaseLogger,
  type FastifyBodyParser,
  type FastifyInstance,
  type FastifyTypeProvider,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * What to do with `__proto__` and `constructor.prototype` keys: `refuse` them with 400 as fastify
 * does (secure-json-parse), or `keep` them as the own properties `JSON.parse` makes of them. Each
 * service decides for its own bodies and says why where it calls useUtf8JsonParser.
 */
export type PrototypeKeys = "refuse" | "keep";

type AnyProviderApp<Provider extends FastifyTypeProvider> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  Provider
>;

/**
 * Replaces fastify's JSON parser in the context it is registered in by one that takes strict UTF-8
 * only. fastify's own decodes the body as UTF-8 text, which turns invalid bytes silently into U+FFFD:
 * the request would then store or pass on something the client never sent. Bytes that are not
 * UTF-8 are not JSON (RFC 8259 §8.1), so they get the same 400 as any invalid JSON.
 */
export function useUtf8JsonParser<Provider extends FastifyTypeProvider>(
  app: AnyProviderApp<Provider>,
  options: { prototypeKeys: PrototypeKeys },
): void {
  const parseText: FastifyBodyParser<string> =
    options.prototypeKeys === "refuse" ? app.getDefaultJsonParser("error", "error") : parseAnyJson;
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    }
    return parseText(request, text, done);
  });
}

/** fastify's default parser without secure-json-parse's refusals (the same errors for the rest). */
const parseAnyJson: FastifyBodyParser<string> = (_request, text, done) => {
  if (text.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
  try {
    done(null, JSON.parse(text) as unknown);
  } catch {
    done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
  }
};
