import { destinationAllowance, type HoldReason } from "./allowance.ts";
import type { DeliveryStatus } from "./delivery-status.ts";

/** What Postgres knows about a delivery and its destination that decides when it goes next. */
export type DeliveryWaitFacts = {
  status: DeliveryStatus;
  nextAttemptAt: Date;
  isLeased: boolean;
  destinationType: string;
  destinationEnabled: boolean;
  disabledReason: string | null;
  /** The breaker's end; in the past (not null) while it probes after its cool-down. */
  breakerOpenUntil: Date | null;
  /** Half-open: most probes in flight at once. */
  breakerProbes: number;
  maxInFlight: number;
  /** Deliveries of the destination being attempted now, by any replica. */
  inFlight: number;
  ratePerSecond: number | null;
  rateTokens: number | null;
  rateElapsedSeconds: number | null;
  /** For an ordered destination: the oldest pending delivery of this Connector ahead of this one. */
  laneHeadId: string | null;
  now: Date;
};

/** In the order explainWait checks them. */
export const WAIT_REASONS = [
  "destination_disabled",
  "attempt_in_progress",
  "retry_scheduled",
  "circuit_open",
  "ordered_behind",
  "batch_interval",
  "in_flight_limit",
  "rate_limited",
  "queued",
] as const;

export type WaitReason = (typeof WAIT_REASONS)[number];

export type DeliveryWait = { reason: WaitReason; until?: string; detail: string };

/**
 * Why a pending delivery has not gone yet, in the order the dispatcher's claim checks it, or null
 * when it is finished. Rate limits, breakers and in-flight limits hold deliveries back without
 * spending attempts, so the attempt log cannot say this; this can. Pure.
 */
export function explainWait(facts: DeliveryWaitFacts): DeliveryWait | null {
  if (facts.status !== "pending") return null;
  const until = (date: Date) => date.toISOString();
  if (!facts.destinationEnabled)
    return {
      reason: "destination_disabled",
      detail: `the destination is disabled${facts.disabledReason ? `: ${facts.disabledReason}` : ""}; enable it to go on`,
    };
  if (facts.isLeased && facts.nextAttemptAt > facts.now)
    return {
      reason: "attempt_in_progress",
      until: until(facts.nextAttemptAt),
      detail: "a dispatcher is attempting it; if that dispatcher died, it is due again at `until`",
    };
  if (facts.nextAttemptAt > facts.now)
    return { reason: "retry_scheduled", until: until(facts.nextAttemptAt), detail: "due at `until`" };
  if (facts.breakerOpenUntil && facts.breakerOpenUntil > facts.now)
    return {
      reason: "circuit_open",
      until: until(facts.breakerOpenUntil),
      detail: `too many of the destination's recent attempts failed; nothing is sent to it before \`until\`, then up to ${facts.breakerProbes} probe${facts.breakerProbes === 1 ? "" : "s"} at a time`,
    };
  if (facts.laneHeadId)
    return {
      reason: "ordered_behind",
      detail: `the destination is ordered: ${facts.laneHeadId} of the same Connector goes first`,
    };
  if (facts.destinationType === "batch")
    return { reason: "batch_interval", detail: "goes with the destination's next batch" };
  // The claim's own rule decides the rest, so this answer and the dispatcher cannot disagree.
  const { heldBy } = destinationAllowance({
    destinationId: "",
    maxInFlight: facts.maxInFlight,
    isBreakerOpen: false, // checked above
    isProbing: facts.breakerOpenUntil !== null && facts.breakerOpenUntil <= facts.now,
    probeLimit: facts.breakerProbes,
    leased: facts.inFlight,
    ratePerSecond: facts.ratePerSecond,
    rateTokens: facts.rateTokens,
    rateElapsedSeconds: facts.rateElapsedSeconds,
  });
  return heldBy
    ? HELD[heldBy](facts)
    : { reason: "queued", detail: "due now, waiting for a free dispatcher slot" };
}

const HELD: Record<HoldReason, (facts: DeliveryWaitFacts) => DeliveryWait> = {
  circuit_open: (facts) => ({
    reason: "circuit_open",
    detail: `the destination's breaker is half-open: its probes (at most ${facts.breakerProbes} at a time) are in flight; a success closes it, a failure opens it again`,
  }),
  in_flight_limit: (facts) => ({
    reason: "in_flight_limit",
    detail: `${facts.inFlight} deliveries to the destination are in flight (its limit is ${facts.maxInFlight})`,
  }),
  rate_limited: (facts) => ({
    reason: "rate_limited",
    detail: `the destination's rate limit (${facts.ratePerSecond}/s) is used up for the moment`,
  }),
};
