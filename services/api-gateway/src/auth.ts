import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@event-hub/shared";
import type { FastifyInstance } from "fastify";

export type AuthOptions = { headerName: string; adminApiKey: string };

/**
 * Every /v1 route needs an API key in the configured header. Keys are compared as SHA-256 digests
 * with timingSafeEqual, so neither length nor content leaks through timing.
 * (Scoped keys stored in Postgres come with the /v1/keys resource.)
 */
export function registerApiKeyAuth(app: FastifyInstance, options: AuthOptions): void {
  const header = options.headerName.toLowerCase();
  const adminDigest = digest(options.adminApiKey);
  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/v1/")) return;
    const presented = request.headers[header];
    const key = Array.isArray(presented) ? presented[0] : presented;
    if (!key || !timingSafeEqual(digest(key), adminDigest)) {
      throw new AppError("error.hub.unauthorized", `a valid API key is required in header ${header}`, 401);
    }
  });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
