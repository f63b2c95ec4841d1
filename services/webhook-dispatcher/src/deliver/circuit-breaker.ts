import type { BreakerState, DestinationFailures, OutcomeWindow } from "@event-hub/shared";

/**
 * What a failed attempt does to its destination's breaker. Pure: the delivery queue supplies the
 * window's counts and the breaker as it stands, record.ts applies the decision.
 *
 * The breaker reads the receiver's failure RATE over a sliding window, not a streak: a receiver that
 * fails 30 % of requests keeps getting traffic (its failures are retried), one that fails most of
 * them is left alone for the cool-down. Half-open, it lets a bounded number of probes go at once; a
 * success closes it (recorded with the successes), a failure opens it again.
 */

export type BreakerPolicy = {
  /** Length of the sliding window the failure rate is read over. */
  windowMs: number;
  /** Fewest attempts in the window before the rate counts: a handful of failures opens nothing. */
  minRequests: number;
  /** Share of failed attempts in the window (0..1) at or above which the breaker opens. */
  failureRate: number;
  /** Half-open: most probes in flight at once. */
  halfOpenProbes: number;
  cooldownMs: number;
  /** Failing continuously (no success) for this long disables the destination. */
  autoDisableAfterMs: number;
};

/** Buckets per window: a tenth of the window is the most by which a bucket's end blurs it. */
const BUCKETS_PER_WINDOW = 10;

/** The window as the delivery queue counts it. */
export function outcomeWindowOf(policy: BreakerPolicy): OutcomeWindow {
  const windowSeconds = policy.windowMs / 1000;
  return { windowSeconds, bucketSeconds: windowSeconds / BUCKETS_PER_WINDOW };
}

export type WindowCounts = { successes: number; failures: number };

/** Share of failed attempts in the window; 0 when it is empty. */
export function failureRateOf(window: WindowCounts): number {
  const requests = window.successes + window.failures;
  return requests === 0 ? 0 : window.failures / requests;
}

/** The breaker at `now`, as the claim reads it: open until its time, then half-open until a success. */
export function breakerStateAt(openUntil: Date | null, now: Date): BreakerState {
  if (openUntil === null) return "closed";
  return openUntil > now ? "open" : "half_open";
}

export type FailureDecision =
  /** Nothing changes: closed below the rate or the minimum, or already open (a late answer). */
  | { kind: "stay" }
  | { kind: "open"; from: "closed" | "half_open"; until: Date }
  | { kind: "disable"; reason: string };

export function decideAfterFailure(health: DestinationFailures, policy: BreakerPolicy): FailureDecision {
  const { now, window } = health;
  const failingMs = now.getTime() - health.failingSince.getTime();
  if (failingMs >= policy.autoDisableAfterMs) {
    return {
      kind: "disable",
      reason: `failing continuously since ${health.failingSince.toISOString()} (${health.consecutiveFailures} attempts)`,
    };
  }
  const until = new Date(now.getTime() + policy.cooldownMs);
  const state = breakerStateAt(health.breakerOpenUntil, now);
  // A failed probe: the receiver has not recovered.
  if (state === "half_open" && health.breakerHalfOpenAt !== null)
    return { kind: "open", from: "half_open", until };
  // Open, or cooled down with no probe sent yet: an answer to a request sent before it opened. The
  // cool-down stands as it is; the probes decide.
  if (state !== "closed") return { kind: "stay" };
  const requests = window.successes + window.failures;
  if (requests >= policy.minRequests && failureRateOf(window) >= policy.failureRate)
    return { kind: "open", from: "closed", until };
  return { kind: "stay" };
}
