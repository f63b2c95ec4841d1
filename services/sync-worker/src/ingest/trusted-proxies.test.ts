import { describe, expect, it } from "vitest";
import { trustedProxies } from "./trusted-proxies.ts";

describe("trustedProxies", () => {
  it("trusts nobody without proxies", () => {
    expect(trustedProxies([], 2)).toBe(false);
  });

  it("believes X-Forwarded-For only when the TCP peer is a listed proxy, for hops addresses", () => {
    const trust = trustedProxies(["35.191.0.0/16", "130.211.0.0/22", "2001:db8::/32", "192.0.2.9"], 2);
    if (!trust) throw new Error("expected a function");
    expect(trust("35.191.4.5", 0)).toBe(true);
    expect(trust("::ffff:130.211.1.1", 0)).toBe(true);
    expect(trust("2001:db8::7", 0)).toBe(true);
    expect(trust("192.0.2.9", 0)).toBe(true);
    expect(trust("198.51.100.1", 0)).toBe(false); // a client speaking directly
    expect(trust("34.1.2.3", 1)).toBe(true); // the load balancer's own address
    expect(trust("198.51.100.1", 2)).toBe(false); // the client
  });
});
