import { describe, expect, it } from "vitest";
import { classify, FAILURE_ACTIONS, parseRetryAfter } from "./classify.ts";
import type { SendFailure, SendResult } from "./send-result.ts";

const now = new Date("2026-01-01T00:00:00Z");
const response = (status: number, headers: Record<string, string> = {}): SendResult => ({
  kind: "response",
  status,
  headers,
  body: "",
  durationMs: 3,
});
const failure = (kind: SendFailure): SendResult => ({
  kind: "failure",
  failure: kind,
  message: kind,
  durationMs: 3,
});

describe("classify", () => {
  it.each([
    [response(200), "delivered"],
    [response(204), "delivered"],
    [response(299), "delivered"],
    [response(410), "gone"],
    [response(301), "failed"],
    [response(302), "failed"],
    [response(400), "retry"],
    [response(404), "retry"],
    [response(429), "retry"],
    [response(500), "retry"],
    [response(503), "retry"],
    [failure("timeout"), "retry"],
    [failure("dns"), "retry"],
    [failure("connect"), "retry"],
    [failure("tls"), "retry"],
    [failure("network"), "retry"],
    [failure("auth"), "retry"],
    [failure("broker"), "retry"],
    [failure("broker_unreachable"), "retry"],
    [failure("broker_nack"), "retry"],
    [failure("exchange_not_found"), "retry"],
    [failure("lease_lost"), "retry"],
    [failure("ssrf_blocked"), "failed"],
    [failure("config"), "failed"],
  ])("%o is %s", (result, kind) => {
    expect(classify(result, now).kind).toBe(kind);
  });

  it.each([
    [400, "failed"],
    [404, "failed"],
    [408, "retry"],
    [410, "gone"],
    [429, "retry"],
    [500, "retry"],
  ])("with client errors final, %i is %s", (status, kind) => {
    expect(classify(response(status), now, { retryClientErrors: false }).kind).toBe(kind);
  });

  it("carries Retry-After into the verdict", () => {
    expect(classify(response(429, { "retry-after": "120" }), now)).toStrictEqual({
      kind: "retry",
      outcome: "http_error",
      retryAfterMs: 120_000,
    });
  });

  it("names the failure class as the attempt outcome", () => {
    expect(classify(failure("timeout"), now)).toStrictEqual({ kind: "retry", outcome: "timeout" });
    expect(classify(failure("ssrf_blocked"), now)).toMatchObject({ kind: "failed", outcome: "ssrf_blocked" });
  });
});

describe("FAILURE_ACTIONS", () => {
  it("fails at once only what waiting cannot mend; every other failure is retried", () => {
    const failingAtOnce = Object.entries(FAILURE_ACTIONS)
      .filter(([, action]) => action === "fail")
      .map(([kind]) => kind);
    expect(failingAtOnce.sort()).toStrictEqual(["config", "ssrf_blocked"]);
  });

  it.each(Object.entries(FAILURE_ACTIONS) as [SendFailure, "retry" | "fail"][])(
    "classify follows it for %s (%s)",
    (kind, action) => {
      expect(classify(failure(kind), now)).toMatchObject({
        kind: action === "retry" ? "retry" : "failed",
        outcome: kind,
      });
    },
  );
});

describe("parseRetryAfter", () => {
  it.each([
    ["30", 30_000],
    [" 5 ", 5_000],
    ["Thu, 01 Jan 2026 00:01:00 GMT", 60_000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
    ["soon", undefined],
    [undefined, undefined],
  ])("%s → %s ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
