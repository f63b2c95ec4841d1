import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { createSsrfPolicy, guardedLookup, isSsrfBlocked, literalAddressRefusal } from "./ssrf-guard.ts";

describe("createSsrfPolicy", () => {
  it("opens allowed CIDRs and host names only", () => {
    const policy = createSsrfPolicy(["127.0.0.0/8", "::1", "receiver.internal"]);
    expect(policy.isAllowed("x", "127.0.0.1")).toBe(true);
    expect(policy.isAllowed("x", "::1")).toBe(true);
    expect(policy.isAllowed("receiver.internal", "10.1.2.3")).toBe(true);
    expect(policy.isAllowed("x", "10.1.2.3")).toBe(false);
    expect(policy.isAllowed("x", "8.8.8.8")).toBe(true);
  });

  it.each([
    "localhost",
    "LOCALHOST.",
    "api.localhost",
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
  ])("refuses the internal name %s even when it resolves to a public address", (host) => {
    expect(createSsrfPolicy([]).isAllowed(host, "8.8.8.8")).toBe(false);
    expect(createSsrfPolicy([host.toLowerCase().replace(/\.$/, "")]).isAllowed(host, "8.8.8.8")).toBe(true);
  });
});

describe("literalAddressRefusal", () => {
  const policy = createSsrfPolicy(["192.168.7.0/24"]);

  it.each([
    ["http://127.0.0.1:8080/hook", "127.0.0.1 is not allowed"],
    ["amqp://u:p@[::1]:5672", "::1 is not allowed"],
    ["amqps://10.0.0.5", "10.0.0.5 is not allowed"],
    ["http://192.168.7.9/hook", undefined], // allowed by the policy
    ["https://8.8.8.8/hook", undefined], // public
    ["https://localhost/hook", undefined], // a name: checked when it resolves
    ["not a url", undefined], // the client reports it
  ])("%s", (url, refusal) => {
    expect(literalAddressRefusal(policy, url)).toBe(refusal);
  });

  // The WHATWG URL parser (which every client here uses) reads these forms as the address they
  // denote, so the literal check sees the real address.
  it.each([
    ["http://2130706433/", "127.0.0.1"], // decimal
    ["http://0177.0.0.1/", "127.0.0.1"], // octal
    ["http://0x7f.0x0.0x0.0x1/", "127.0.0.1"], // hex
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254"], // cloud metadata
    ["http://0xa9fea9fe/", "169.254.169.254"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"], // IPv4-mapped IPv6
    ["http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe"],
    ["http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1"], // NAT64
    ["http://[2002:a9fe:a9fe::]/", "2002:a9fe:a9fe::"], // 6to4
    ["http://[fe80::1]/", "fe80::1"], // link-local
    ["http://[::1]/", "::1"],
    ["http://[::]/", "::"],
    ["http://10.0.0.1/", "10.0.0.1"],
    ["http://100.64.0.1/", "100.64.0.1"], // CGNAT
  ])("refuses %s", (url, address) => {
    expect(literalAddressRefusal(createSsrfPolicy([]), url)).toBe(`${address} is not allowed`);
  });
});

describe("guardedLookup", () => {
  const lookup = (host: string, allow: string[] = [], answer?: string[]) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => {
      const fake = answer
        ? (_: string, __: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
            callback(
              null,
              answer.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
            )
        : undefined;
      guardedLookup(createSsrfPolicy(allow), fake)(host, { all: true }, (error, address) =>
        resolve({ error, address }),
      );
    });

  it("refuses a host name that resolves to loopback", async () => {
    const { error } = await lookup("localhost");
    expect(isSsrfBlocked(error)).toBe(true);
  });

  it("resolves it when loopback is allowed", async () => {
    const { error, address } = await lookup("localhost", ["127.0.0.0/8", "::1"]);
    expect(error).toBeNull();
    expect(Array.isArray(address)).toBe(true);
  });

  it.each([
    ["metadata.google.internal", ["169.254.169.254"]],
    ["rebind.example.com", ["8.8.8.8", "127.0.0.1"]], // one inside address is enough
    ["mapped.example.com", ["::ffff:169.254.169.254"]],
    ["nat64.example.com", ["64:ff9b::a9fe:a9fe"]],
    ["sixtofour.example.com", ["2002:7f00:1::"]],
    ["linklocal.example.com", ["fe80::1"]],
    ["private.example.com", ["10.1.2.3"]],
    ["metadata.google.internal", ["8.8.8.8"]], // by name, whatever it resolves to
  ])("refuses %s resolving to %j", async (host, answer) => {
    const { error } = await lookup(host, [], answer);
    expect(error?.code).toBe("ERR_SSRF_BLOCKED");
  });

  it("passes a name resolving to public addresses only", async () => {
    const { error, address } = await lookup("example.com", [], ["93.184.216.34", "2606:2800:220:1::1"]);
    expect(error).toBeNull();
    expect(address).toHaveLength(2);
  });
});
