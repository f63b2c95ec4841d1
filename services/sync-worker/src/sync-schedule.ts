/**
 * When a Connector syncs next (pure). After a success: the interval, counted from the end of the
 * run. After failures: the interval doubled per consecutive failure, capped. Both jittered, so
 * Connectors registered together drift apart instead of syncing in lockstep.
 */
export type SchedulePolicy = {
  jitterRatio: number;
  backoffMaxSeconds: number;
};

export function nextSyncDelayMs(
  policy: SchedulePolicy,
  intervalSeconds: number,
  consecutiveFailures: number,
  random: () => number = Math.random,
): number {
  const baseSeconds =
    consecutiveFailures === 0
      ? intervalSeconds
      : Math.min(policy.backoffMaxSeconds, intervalSeconds * 2 ** Math.min(consecutiveFailures, 30));
  const factor = 1 + policy.jitterRatio * (2 * random() - 1);
  return Math.round(Math.max(intervalSeconds, baseSeconds) * 1000 * factor);
}
