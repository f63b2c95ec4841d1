import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";

/**
 * A fastify app with any logger and type provider, for helpers every service registers: an app with
 * a pino `loggerInstance` or a type provider is not a plain FastifyInstance (it is invariant in both).
 */
export type AnyFastifyApp<
  Logger extends FastifyBaseLogger,
  Provider extends FastifyTypeProvider,
> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  Provider
>;
