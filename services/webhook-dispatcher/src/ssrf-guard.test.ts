import { describe, expect, it } from "vitest";
import { createSsrfPolicy, guardedLookup, isBlockedAddress } from "./ssrf-guard.ts";

describe("isBlockedAddress", () => {
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "2001:db8::1",
  ])("blocks %s", (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::"])(
    "lets %s through",
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

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
