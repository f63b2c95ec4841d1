import { describe, expect, it } from "vitest";
import { clientKey, createFailedCredentialLimiter } from "./failed-credential-limiter.ts";

describe("createFailedCredentialLimiter", () => {
  const limits = { maxFailures: 3, windowMs: 60_000, maxAddresses: 100 };

  it("lets an address fail maxFailures times, then refuses it until the window ends", () => {
    const limiter = createFailedCredentialLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds("192.0.2.1", 1000)).toBe(0);
      limiter.recordFailure("192.0.2.1", 1000);
    }
    expect(limiter.retryAfterSeconds("192.0.2.1", 1000)).toBe(60);
    expect(limiter.retryAfterSeconds("192.0.2.1", 51_500)).toBe(10);
    expect(limiter.retryAfterSeconds("192.0.2.1", 61_000)).toBe(0);
  });

  it("counts each address on its own", () => {
    const limiter = createFailedCredentialLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure("192.0.2.1", 0);
    expect(limiter.retryAfterSeconds("192.0.2.2", 0)).toBe(0);
  });

  it("starts a new window once the old one ended", () => {
    const limiter = createFailedCredentialLimiter(limits);
    for (let i = 0; i < 2; i++) limiter.recordFailure("192.0.2.1", 0);
    limiter.recordFailure("192.0.2.1", 60_000);
    limiter.recordFailure("192.0.2.1", 60_001);
    expect(limiter.retryAfterSeconds("192.0.2.1", 60_002)).toBe(0);
  });

  it("holds at most maxAddresses, letting the oldest window go first", () => {
    const limiter = createFailedCredentialLimiter({ ...limits, maxFailures: 1, maxAddresses: 2 });
    limiter.recordFailure("192.0.2.1", 0);
    limiter.recordFailure("192.0.2.2", 1);
    limiter.recordFailure("192.0.2.3", 2);
    expect(limiter.retryAfterSeconds("192.0.2.1", 3)).toBe(0);
    expect(limiter.retryAfterSeconds("192.0.2.2", 3)).toBe(60);
    expect(limiter.retryAfterSeconds("192.0.2.3", 3)).toBe(60);
  });

  it("counts the IPv6 addresses of one /64 together", () => {
    const limiter = createFailedCredentialLimiter({ ...limits, maxFailures: 2 });
    limiter.recordFailure("2001:db8:1:2::1", 0);
    limiter.recordFailure("2001:db8:1:2:ffff::9", 0);
    expect(limiter.retryAfterSeconds("2001:0db8:0001:0002::7", 0)).toBe(60);
    expect(limiter.retryAfterSeconds("2001:db8:1:3::1", 0)).toBe(0);
  });
});

describe("clientKey", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::1", "0:0:0:0::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("%s → %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
