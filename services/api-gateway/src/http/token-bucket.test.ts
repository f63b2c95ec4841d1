import { describe, expect, it } from "vitest";
import { createTokenBuckets } from "./token-bucket.ts";

describe("createTokenBuckets", () => {
  it("allows a burst, then refuses with the seconds until the next token", () => {
    const buckets = createTokenBuckets({ ratePerSecond: 0.5, burst: 2 });
    expect(buckets.take("k", 0)).toEqual({ allowed: true });
    expect(buckets.take("k", 0)).toEqual({ allowed: true });
    expect(buckets.take("k", 0)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(buckets.take("k", 1000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take("k", 2000)).toEqual({ allowed: true });
  });

  it("keeps keys apart", () => {
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(buckets.take("a", 0).allowed).toBe(true);
    expect(buckets.take("a", 0).allowed).toBe(false);
    expect(buckets.take("b", 0).allowed).toBe(true);
  });

  it("forgets the least recently used key beyond maxKeys (it starts with a full bucket again)", () => {
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 1 });
    buckets.take("a", 0);
    buckets.take("b", 0);
    expect(buckets.take("a", 0).allowed).toBe(true);
  });
});
