import { describe, expect, it } from "vitest";
import { createSsrfPolicy, guardedLookup } from "./ssrf-guard.ts";

describe("createSsrfPolicy", () => {
  it("opens allowed CIDRs and host names only", () => {
    const policy = createSsrfPolicy(["127.0.0.0/8", "::1", "receiver.internal"]);
    expect(policy.isAllowed("x", "127.0.0.1")).toBe(true);
    expect(policy.isAllowed("x", "::1")).toBe(true);
    expect(policy.isAllowed("receiver.internal", "10.1.2.3")).toBe(true);
    expect(policy.isAllowed("x", "10.1.2.3")).toBe(false);
    expect(policy.isAllowed("x", "8.8.8.8")).toBe(true);
  });
});

describe("guardedLookup", () => {
  const lookup = (host: string, allow: string[] = []) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      guardedLookup(createSsrfPolicy(allow))(host, { all: true }, (error, address) =>
        resolve({ error, address }),
      ),
    );

  it("refuses a host name that resolves to loopback", async () => {
    const { error } = await lookup("localhost");
    expect(error?.code).toBe("ERR_SSRF_BLOCKED");
  });

  it("resolves it when loopback is allowed", async () => {
    const { error, address } = await lookup("localhost", ["127.0.0.0/8", "::1"]);
    expect(error).toBeNull();
    expect(Array.isArray(address)).toBe(true);
  });
});
