import { tokenLevel } from "../rate-tokens.ts";

/**
 * How many deliveries each destination may start now. Pure: the claim store feeds it what Postgres
 * knows (limits, leases, breaker, token bucket) and claims exactly what it allows.
 */

export type DestinationLoad = {
  destinationId: string;
  maxInFlight: number;
  /** Breaker open, cool-down not over: nothing may go. */
  isBreakerOpen: boolean;
  /** Deliveries of this destination leased right now, by any replica. */
  leased: number;
  /** Breaker cool-down over but not yet closed by a success: at most `probeLimit` probes at a time. */
  isProbing: boolean;
  /** Half-open: most probes in flight at once (the breaker's `breaker_probes`). */
  probeLimit: number;
  /** rate_limit_per_second; null: unlimited. */
  ratePerSecond: number | null;
  /** Token bucket as last stored (null: never used, full). */
  rateTokens: number | null;
  rateElapsedSeconds: number | null;
};

/** Why a destination with due work may start nothing now; none of these costs an attempt. */
export type HoldReason = "circuit_open" | "in_flight_limit" | "rate_limited";

export type Allowance = {
  destinationId: string;
  allowance: number;
  /** Tokens in the bucket now, before claiming; undefined when not rate limited. */
  tokensNow?: number;
  /** Set when the allowance is 0. */
  heldBy?: HoldReason;
};

/**
 * Capacity left under the in-flight limit (while half-open, under the probe limit too), capped by the
 * rate limit's tokens; nothing while the breaker is open. Every live lease counts against the probe
 * limit, requests sent before the breaker opened included, so the receiver never has more than
 * `probeLimit` requests of the destination open while it is half-open.
 */
export function destinationAllowance(load: DestinationLoad): Allowance {
  const { destinationId } = load;
  if (load.isBreakerOpen) return { destinationId, allowance: 0, heldBy: "circuit_open" };
  const limit = load.isProbing ? Math.min(load.probeLimit, load.maxInFlight) : load.maxInFlight;
  const free = Math.max(0, limit - load.leased);
  // Half-open with its probes in flight: held by the breaker, not by the in-flight limit.
  if (free === 0)
    return { destinationId, allowance: 0, heldBy: load.isProbing ? "circuit_open" : "in_flight_limit" };
  if (load.ratePerSecond === null) return { destinationId, allowance: free };
  const tokensNow = tokenLevel(load.ratePerSecond, load.rateTokens, load.rateElapsedSeconds);
  const allowance = Math.min(free, Math.floor(tokensNow));
  return allowance === 0
    ? { destinationId, allowance, tokensNow, heldBy: "rate_limited" }
    : { destinationId, allowance, tokensNow };
}

/**
 * Shares `free` process slots round-robin over the destinations (given in a fair, e.g. random,
 * order), so one destination with a large backlog cannot take every slot.
 */
export function shareSlots(allowances: Allowance[], free: number): Map<string, number> {
  const shares = new Map<string, number>();
  let left = free;
  let progressed = true;
  while (left > 0 && progressed) {
    progressed = false;
    for (const { destinationId, allowance } of allowances) {
      const taken = shares.get(destinationId) ?? 0;
      if (left === 0) break;
      if (taken < allowance) {
        shares.set(destinationId, taken + 1);
        left -= 1;
        progressed = true;
      }
    }
  }
  return shares;
}
