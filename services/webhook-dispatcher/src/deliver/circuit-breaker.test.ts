import { describe, expect, it } from "vitest";
import { decideAfterFailure, type BreakerPolicy } from "./circuit-breaker.ts";

const now = new Date("2026-01-10T00:00:00Z");
const policy: BreakerPolicy = { failureThreshold: 5, cooldownMs: 30_000, autoDisableAfterMs: 5 * 86_400_000 };
const since = (ms: number) => new Date(now.getTime() - ms);

describe("decideAfterFailure", () => {
  it("stays closed below the threshold", () => {
    expect(
      decideAfterFailure({ consecutiveFailures: 4, failingSince: since(1000) }, now, policy),
    ).toStrictEqual({});
  });

  it("opens for the cool-down at the threshold and after a failed probe", () => {
    for (const failures of [5, 6, 40]) {
      expect(
        decideAfterFailure({ consecutiveFailures: failures, failingSince: since(60_000) }, now, policy),
      ).toStrictEqual({
        breakerOpenUntil: new Date(now.getTime() + 30_000),
      });
    }
  });

  it("disables a destination failing continuously for the configured time", () => {
    const decision = decideAfterFailure(
      { consecutiveFailures: 200, failingSince: since(5 * 86_400_000) },
      now,
      policy,
    );
    expect(decision.disableReason).toMatch(/failing continuously since 2026-01-05/);
    expect(decision.breakerOpenUntil).toBeUndefined();
  });
});
