import type { FailureStreak } from "@event-hub/shared";

/**
 * What a failed attempt does to its destination. Pure: the delivery queue supplies the failing
 * streak, record.ts applies the decision.
 */

export type BreakerPolicy = {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  cooldownMs: number;
  /** Failing continuously (no success) for this long disables the destination. */
  autoDisableAfterMs: number;
};

export type FailureDecision = {
  /** Nothing is sent to the destination before this time; then one probe. Undefined: stays closed. */
  breakerOpenUntil?: Date;
  /** Why the destination is disabled now; undefined: it stays enabled. */
  disableReason?: string;
};

export function decideAfterFailure(health: FailureStreak, now: Date, policy: BreakerPolicy): FailureDecision {
  const failingMs = now.getTime() - health.failingSince.getTime();
  if (failingMs >= policy.autoDisableAfterMs) {
    return {
      disableReason: `failing continuously since ${health.failingSince.toISOString()} (${health.consecutiveFailures} attempts)`,
    };
  }
  if (health.consecutiveFailures >= policy.failureThreshold) {
    return { breakerOpenUntil: new Date(now.getTime() + policy.cooldownMs) };
  }
  return {};
}
