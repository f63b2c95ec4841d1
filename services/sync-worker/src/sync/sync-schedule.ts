import { exponentialDelay, withJitter } from "@event-hub/shared";

/**
 * When a Connector syncs next (pure). After a success: the interval, counted from the end of the
 * run. After failures: the interval doubled per consecutive failure, capped. Both jittered, so
 * Connectors registered together drift apart instead of syncing in lockstep — but jitter never
 * takes a wait below the 1 s minimum interval nor above the cap (or the interval, when that is
 * longer than the cap: the cap never makes a Connector sync sooner than its interval).
 */
export type SchedulePolicy = {
  jitterRatio: number;
  backoffMaxSeconds: number;
};

/** The minimum sync interval, also the shortest wait jitter may produce. */
const MIN_SYNC_DELAY_MS = 1000;

export function nextSyncDelayMs(
  policy: SchedulePolicy,
  intervalSeconds: number,
  consecutiveFailures: number,
  random: () => number = Math.random,
): number {
  const baseSeconds =
    consecutiveFailures === 0
      ? intervalSeconds
      : exponentialDelay(intervalSeconds, policy.backoffMaxSeconds, consecutiveFailures + 1);
  const jitteredMs = Math.round(
    withJitter(Math.max(intervalSeconds, baseSeconds) * 1000, policy.jitterRatio, random),
  );
  const ceilingMs = Math.max(policy.backoffMaxSeconds, intervalSeconds) * 1000;
  return Math.min(ceilingMs, Math.max(MIN_SYNC_DELAY_MS, jitteredMs));
}
