/**
 * Waiting for accepted events to reach the receiver after a load, told apart three ways:
 * - `complete`: every one arrived;
 * - `stalled`: some are missing and the receiver got nothing at all (of any phase) for `stallMs`:
 *   the hub stopped delivering with a healthy receiver that answers at once, so they are lost;
 * - `deadline`: still arriving when `deadlineMs` ran out: the hub is behind, a loss cannot be told yet.
 */

export type DrainOutcome = "complete" | "stalled" | "deadline";

const POLL_MS = 100;

export async function drain(
  isAllThere: () => boolean,
  lastArrivalAt: () => number,
  limits: { deadlineMs: number; stallMs: number },
): Promise<DrainOutcome> {
  const startedAt = performance.now();
  for (;;) {
    if (isAllThere()) return "complete";
    const now = performance.now();
    if (now - Math.max(lastArrivalAt(), startedAt) >= limits.stallMs) return "stalled";
    if (now - startedAt >= limits.deadlineMs) return "deadline";
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
