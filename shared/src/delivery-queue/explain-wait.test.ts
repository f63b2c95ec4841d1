import { describe, expect, it } from "vitest";
import { explainWait, type DeliveryWaitFacts } from "./explain-wait.ts";

const now = new Date("2026-11-24T12:00:00Z");
const later = new Date("2026-11-24T12:05:00Z");
const earlier = new Date("2026-11-24T11:55:00Z");
const due: DeliveryWaitFacts = {
  status: "pending",
  nextAttemptAt: earlier,
  isLeased: false,
  destinationType: "webhook",
  destinationEnabled: true,
  disabledReason: null,
  breakerOpenUntil: null,
  breakerProbes: 1,
  maxInFlight: 10,
  inFlight: 0,
  ratePerSecond: null,
  rateTokens: null,
  rateElapsedSeconds: null,
  laneHeadId: null,
  now,
};

describe("explainWait", () => {
  it.each([
    ["delivered", { status: "delivered" as const }, null],
    [
      "disabled",
      { destinationEnabled: false, disabledReason: "receiver answered 410 Gone" },
      "destination_disabled",
    ],
    ["being attempted", { isLeased: true, nextAttemptAt: later }, "attempt_in_progress"],
    ["a retry later", { nextAttemptAt: later }, "retry_scheduled"],
    ["an open breaker", { breakerOpenUntil: later }, "circuit_open"],
    ["behind its lane's head", { laneHeadId: "dlv_HEAD" }, "ordered_behind"],
    ["a batch destination", { destinationType: "batch" }, "batch_interval"],
    ["the in-flight limit", { inFlight: 10 }, "in_flight_limit"],
    // As the claim counts it: a half-open breaker whose probe is in flight holds by the breaker.
    ["a probing breaker (one at a time)", { breakerOpenUntil: earlier, inFlight: 1 }, "circuit_open"],
    [
      "a probing breaker (three at a time)",
      { breakerOpenUntil: earlier, breakerProbes: 3, inFlight: 3 },
      "circuit_open",
    ],
    [
      "a probing breaker with a probe place left",
      { breakerOpenUntil: earlier, breakerProbes: 3, inFlight: 2 },
      "queued",
    ],
    ["a probing breaker with no probe in flight", { breakerOpenUntil: earlier }, "queued"],
    ["a used-up rate limit", { ratePerSecond: 2, rateTokens: 0.2, rateElapsedSeconds: 0.1 }, "rate_limited"],
    ["a rate limit with tokens left", { ratePerSecond: 2, rateTokens: 0, rateElapsedSeconds: 1 }, "queued"],
    ["nothing holding it", {}, "queued"],
  ])("%s", (_name, change, reason) => {
    expect(explainWait({ ...due, ...change })?.reason ?? null).toBe(reason);
  });

  it("says until when and names the lane's head and the disable reason", () => {
    expect(explainWait({ ...due, nextAttemptAt: later })?.until).toBe(later.toISOString());
    expect(explainWait({ ...due, breakerOpenUntil: later })?.until).toBe(later.toISOString());
    expect(explainWait({ ...due, laneHeadId: "dlv_HEAD" })?.detail).toContain("dlv_HEAD");
    expect(explainWait({ ...due, destinationEnabled: false, disabledReason: "gone" })?.detail).toContain(
      "gone",
    );
  });

  it("checks as the claim does: a disabled destination outranks a scheduled retry", () => {
    expect(explainWait({ ...due, destinationEnabled: false, nextAttemptAt: later })?.reason).toBe(
      "destination_disabled",
    );
  });
});
