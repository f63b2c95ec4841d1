import { AppError } from "@event-hub/shared";
import type { FastifyInstance } from "fastify";
import { createTokenBuckets } from "./token-bucket.ts";

export type RateLimitOptions = { ratePerSecond: number; burst: number };

/**
 * Limits each API key of the plugin's routes (after authentication, so the bucket is the key's, not the address's) to
 * its rate; over it the caller gets 429 with Retry-After. In memory per replica: with N replicas
 * a key can reach N times the rate, which is what this guard is for (runaway clients), not billing.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const buckets = createTokenBuckets(options);
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config.public === true) return; // no key, so no bucket of its own
    const verdict = buckets.take(request.principal.id, Date.now());
    if (verdict.allowed) return;
    reply.header("retry-after", String(verdict.retryAfterSeconds));
    throw new AppError(
      "error.hub.http.tooManyRequests",
      `rate limit of this API key exceeded; retry in ${verdict.retryAfterSeconds} s`,
      429,
    );
  });
}
