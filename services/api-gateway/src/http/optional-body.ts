import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route's body schema has only optional fields, and no body at all means `{}`. */
    optionalBody?: boolean;
  }
}

/** Lets action routes (`POST …/enable`) be called without a body while still validating one. */
export function registerOptionalBody(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    if (request.routeOptions.config.optionalBody && (request.body === undefined || request.body === null)) {
      request.body = {};
    }
  });
}
