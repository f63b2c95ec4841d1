/** Capped exponential backoff between connection attempts to one AMQP broker. */
export type ReconnectBackoff = { initialMs: number; maxMs: number };

/**
 * How long to wait before the next connection attempt after `failures` failed ones in a row (≥ 1):
 * initial, ×2 each time, capped; ±20 % jitter so replicas do not all reconnect at once.
 */
export function reconnectDelayMs(
  failures: number,
  backoff: ReconnectBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const base = Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
  return Math.round(Math.min(base * (1 + 0.2 * (2 * random() - 1)), backoff.maxMs));
}
