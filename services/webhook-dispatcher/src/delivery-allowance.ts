import { tokenLevel } from "@event-hub/shared";

/**
 * How many deliveries each destination may start now. Pure: the claim store feeds it what Postgres
 * knows (limits, leases, breaker, token bucket) and claims exactly what it allows.
 */

export type DestinationLoad = {
  destinationId: string;
  maxInFlight: number;
  /** Deliveries of this destination leased right now, by any replica. */
  leased: number;
  /** Breaker cool-down over but not yet closed: one probe at a time. */
  isProbing: boolean;
  /** rate_limit_per_second; null: unlimited. */
  ratePerSecond: number | null;
  /** Token bucket as last stored (null: never used, full). */
  rateTokens: number | null;
  rateElapsedSeconds: number | null;
};

export type Allowance = {
  destinationId: string;
  allowance: number;
  /** Tokens in the bucket now, before claiming; undefined when not rate limited. */
  tokensNow?: number;
};

/** Capacity left under the in-flight limit (one while probing), capped by the rate limit's tokens. */
export function destinationAllowance(load: DestinationLoad): Allowance {
  const limit = load.isProbing ? 1 : load.maxInFlight;
  const free = Math.max(0, limit - load.leased);
  if (load.ratePerSecond === null) return { destinationId: load.destinationId, allowance: free };
  const tokensNow = tokenLevel(load.ratePerSecond, load.rateTokens, load.rateElapsedSeconds);
  return {
    destinationId: load.destinationId,
    allowance: Math.min(free, Math.floor(tokensNow)),
    tokensNow,
  };
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
