import { describe, expect, it } from "vitest";
import { privateAddressWarning, urlProblem } from "./url-policy.ts";

describe("urlProblem", () => {
  it.each([
    ["https://example.com/{{trigger}}", undefined],
    ["http://example.com", undefined],
    ["ftp://example.com", "must use http or https"],
    ["example.com/x", "is not a URL"],
    ["https://{{trigger}}.example.com", undefined],
  ])("%s → %s", (url, problem) => {
    expect(urlProblem(url)).toBe(problem);
  });

  it("checks other protocols when asked", () => {
    expect(urlProblem("amqp://guest:guest@127.0.0.1:5672", ["amqp:", "amqps:"])).toBeUndefined();
    expect(urlProblem("http://x", ["amqp:", "amqps:"])).toBe("must use amqp or amqps");
  });
});

describe("privateAddressWarning", () => {
  it.each([
    ["http://127.0.0.1:9000/x", true],
    ["http://localhost/x", true],
    ["http://10.1.2.3", true],
    ["http://172.20.0.1", true],
    ["http://192.168.1.1", true],
    ["http://169.254.169.254/latest", true],
    ["http://100.64.0.1", true],
    ["http://[::1]/", true],
    ["http://[fd00::1]/", true],
    ["http://[::ffff:127.0.0.1]/", true],
    ["https://example.com", false],
    ["https://8.8.8.8", false],
    ["https://172.32.0.1", false],
  ])("%s → %s", (url, warns) => {
    expect(privateAddressWarning(url) !== undefined).toBe(warns);
  });
});
