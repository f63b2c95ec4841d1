import { describe, expect, it } from "vitest";
import { createSsrfPolicy, guardedLookup, literalAddressRefusal } from "./ssrf-guard.ts";

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
