/**
 * Per-key token buckets: each key may send `burst` requests at once and `ratePerSecond` on
 * average. Pure (the clock is passed in), so the limiter is tested without waiting.
 */
export type TokenBuckets = {
  /** Takes one token; when none is left, how long until one is (whole seconds, for Retry-After). */
  take(key: string, nowMs: number): { allowed: true } | { allowed: false; retryAfterSeconds: number };
};

type Bucket = { tokens: number; updatedMs: number };

export function createTokenBuckets(options: {
  ratePerSecond: number;
  burst: number;
  maxKeys?: number;
}): TokenBuckets {
  const buckets = new Map<string, Bucket>();
  const maxKeys = options.maxKeys ?? 10_000;
  return {
    take(key, nowMs) {
      const bucket = buckets.get(key) ?? { tokens: options.burst, updatedMs: nowMs };
      const elapsedSeconds = Math.max(0, nowMs - bucket.updatedMs) / 1000;
      bucket.tokens = Math.min(options.burst, bucket.tokens + elapsedSeconds * options.ratePerSecond);
      bucket.updatedMs = nowMs;
      buckets.delete(key); // re-inserted last: the Map's order is least recently used first
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.ratePerSecond)),
      };
    },
  };
}
