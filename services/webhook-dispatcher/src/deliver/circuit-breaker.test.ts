import type { DestinationFailures } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import {
  breakerStateAt,
  decideAfterFailure,
  failureRateOf,
  outcomeWindowOf,
  type BreakerPolicy,
} from "./circuit-breaker.ts";

const now = new Date("2026-01-10T00:00:00Z");
const policy: BreakerPolicy = {
  windowMs: 30_000,
  minRequests: 20,
  failureRate: 0.5,
  halfOpenProbes: 3,
  cooldownMs: 30_000,
  autoDisableAfterMs: 5 * 86_400_000,
};
const ago = (ms: number) => new Date(now.getTime() - ms);
const cooledDown = new Date(now.getTime() + 30_000);

/** A failure just counted: `window` includes it. */
const failure = (over: Partial<DestinationFailures>): DestinationFailures => ({
  consecutiveFailures: 1,
  failingSince: ago(1000),
  breakerOpenUntil: null,
  breakerHalfOpenAt: null,
  window: { successes: 0, failures: 1 },
  now,
  ...over,
});

describe("failureRateOf", () => {
  it.each([
    [{ successes: 0, failures: 0 }, 0],
    [{ successes: 7, failures: 3 }, 0.3],
    [{ successes: 10, failures: 10 }, 0.5],
    [{ successes: 0, failures: 20 }, 1],
  ])("%o fails at %f", (window, rate) => {
    expect(failureRateOf(window)).toBe(rate);
  });
});

describe("breakerStateAt", () => {
  it.each([
    [null, "closed"],
    [ago(-1), "open"],
    [now, "half_open"],
    [ago(1), "half_open"],
  ] as const)("open until %s is %s", (openUntil, state) => {
    expect(breakerStateAt(openUntil, now)).toBe(state);
  });
});

describe("decideAfterFailure", () => {
  it.each([
    // A receiver failing 30 %: far below the rate, however long it goes on.
    ["30 % of 20", { successes: 14, failures: 6 }, { kind: "stay" }],
    ["30 % of 1,000", { successes: 700, failures: 300 }, { kind: "stay" }],
    // Below the minimum the rate does not count, not even at 100 %.
    ["19 of 19", { successes: 0, failures: 19 }, { kind: "stay" }],
    ["9 of 19", { successes: 10, failures: 9 }, { kind: "stay" }],
    // At the minimum and the rate (both inclusive) it opens for the cool-down.
    ["20 of 20", { successes: 0, failures: 20 }, { kind: "open", from: "closed", until: cooledDown }],
    ["10 of 20", { successes: 10, failures: 10 }, { kind: "open", from: "closed", until: cooledDown }],
    ["9 of 20", { successes: 11, failures: 9 }, { kind: "stay" }],
    ["60 of 100", { successes: 40, failures: 60 }, { kind: "open", from: "closed", until: cooledDown }],
  ] as const)("closed, %s failed in the window", (_name, window, decision) => {
    expect(decideAfterFailure(failure({ window }), policy)).toStrictEqual(decision);
  });

  it("re-opens on a failed probe, whatever the window holds", () => {
    const halfOpen = failure({
      breakerOpenUntil: ago(1000),
      breakerHalfOpenAt: ago(10),
      window: { successes: 0, failures: 1 },
    });
    expect(decideAfterFailure(halfOpen, policy)).toStrictEqual({
      kind: "open",
      from: "half_open",
      until: cooledDown,
    });
  });

  it("leaves an open breaker's cool-down as it is (a request sent before it opened)", () => {
    const open = failure({ breakerOpenUntil: ago(-5000), window: { successes: 0, failures: 40 } });
    expect(decideAfterFailure(open, policy)).toStrictEqual({ kind: "stay" });
  });

  it("leaves a cooled-down breaker whose probes have not gone yet to its probes", () => {
    const cooled = failure({ breakerOpenUntil: ago(1000), window: { successes: 0, failures: 40 } });
    expect(decideAfterFailure(cooled, policy)).toStrictEqual({ kind: "stay" });
  });

  it("disables a destination failing continuously for the configured time", () => {
    const decision = decideAfterFailure(
      failure({ consecutiveFailures: 200, failingSince: ago(5 * 86_400_000) }),
      policy,
    );
    expect(decision).toStrictEqual({
      kind: "disable",
      reason: "failing continuously since 2026-01-05T00:00:00.000Z (200 attempts)",
    });
  });
});

describe("outcomeWindowOf", () => {
  it("counts in ten buckets per window", () => {
    expect(outcomeWindowOf(policy)).toStrictEqual({ windowSeconds: 30, bucketSeconds: 3 });
  });
});
