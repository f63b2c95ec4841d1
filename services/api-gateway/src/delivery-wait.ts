import { tokenLevel } from "@event-hub/shared";

/** What Postgres knows about a delivery and its destination that decides when it goes next. */
export type DeliveryWaitFacts = {
  status: "pending" | "delivered" | "failed" | "parked";
  nextAttemptAt: Date;
  isLeased: boolean;
  destinationType: string;
  destinationEnabled: boolean;
  disabledReason: string | null;
  /** The breaker's end; in the past (not null) while it probes after its cool-down. */
  breakerOpenUntil: Date | null;
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
      detail:
        "the destination failed too often in a row; nothing is sent to it before `until`, then one probe",
    };
  if (facts.laneHeadId)
    return {
      reason: "ordered_behind",
      detail: `the destination is ordered: ${facts.laneHeadId} of the same Connector goes first`,
    };
  if (facts.destinationType === "batch")
    return { reason: "batch_interval", detail: "goes with the destination's next batch" };
  const limit = facts.breakerOpenUntil ? 1 : facts.maxInFlight;
  if (facts.inFlight >= limit)
    return {
      reason: "in_flight_limit",
      detail: facts.breakerOpenUntil
        ? "the destination is being probed after its breaker opened: one delivery at a time"
        : `${facts.inFlight} deliveries to the destination are in flight (its limit is ${limit})`,
    };
  if (
    facts.ratePerSecond !== null &&
    tokenLevel(facts.ratePerSecond, facts.rateTokens, facts.rateElapsedSeconds) < 1
  )
    return {
      reason: "rate_limited",
      detail: `the destination's rate limit (${facts.ratePerSecond}/s) is used up for the moment`,
    };
  return { reason: "queued", detail: "due now, waiting for a free dispatcher slot" };
}
