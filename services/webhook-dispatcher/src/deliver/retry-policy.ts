import { withJitter } from "@event-hub/shared";

/** Seconds to wait after attempt 1, 2, ...: about two days in all, as Standard Webhooks recommends. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400];
const JITTER = 0.2;

/** A Retry-After may stretch the scheduled delay, but never beyond this. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * When the next attempt is due after `attemptsMade` attempts, or undefined when the schedule is
 * used up. Jitter (±20 %) keeps retries of one outage from arriving together; a Retry-After longer
 * than the scheduled delay is honoured up to MAX_RETRY_AFTER_MS.
 */
export function nextAttemptAt(
  attemptsMade: number,
  now: Date,
  options: { schedule?: number[]; retryAfterMs?: number; random?: () => number } = {},
): Date | undefined {
  const schedule = options.schedule ?? DEFAULT_RETRY_SCHEDULE_SECONDS;
  const baseSeconds = schedule[attemptsMade - 1];
  if (baseSeconds === undefined) return undefined;
  const jittered = withJitter(baseSeconds * 1000, JITTER, options.random);
  const delay = Math.max(jittered, Math.min(options.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return new Date(now.getTime() + Math.round(delay));
}
