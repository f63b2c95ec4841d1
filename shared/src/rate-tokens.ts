/**
 * A destination's rate-limit token bucket now: it holds at most one second of rate (at least one
 * token) and refills continuously. The dispatcher claims by it; api-gateway explains waits with it.
 */
export function tokenLevel(
  ratePerSecond: number,
  tokens: number | null,
  elapsedSeconds: number | null,
): number {
  const burst = Math.max(1, ratePerSecond);
  if (tokens === null || elapsedSeconds === null) return burst;
  return Math.min(burst, tokens + ratePerSecond * Math.max(0, elapsedSeconds));
}
