/**
 * Waiting for accepted events to reach the receiver after a load, told apart three ways:
 * - `complete`: every one arrived;
 * - `stalled`: some are missing, the receiver got nothing at all (of any phase) for `stallMs`, and
 *   the hub holds nothing back (`isHubIdle`: sync-worker's outbox is empty): with a healthy
 *   receiver that answers at once, they are lost;
 * - `deadline`: still on their way when `deadlineMs` ran out: the hub is behind, a loss cannot be told yet.
 */

export type DrainOutcome = "complete" | "stalled" | "deadline";

const POLL_MS = 100;

export async function drain(
  isAllThere: () => boolean,
  progress: { lastArrivalAt(): number; isHubIdle(): Promise<boolean> },
  limits: { deadlineMs: number; stallMs: number },
): Promise<DrainOutcome> {
  const startedAt = performance.now();
  for (;;) {
    if (isAllThere()) return "complete";
    const now = performance.now();
    const isQuiet = now - Math.max(progress.lastArrivalAt(), startedAt) >= limits.stallMs;
    if (isQuiet && (await progress.isHubIdle())) return "stalled";
    if (now - startedAt >= limits.deadlineMs) return "deadline";
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
