/**
 * Capped exponential backoff with jitter, pure (randomness injected): the one rule every retry loop
 * of the hub uses (LISTEN reconnects, AMQP reconnects, sync failures, delivery retries).
 */
export type Backoff = {
  /** The wait after the first failure. */
  initialMs: number;
  /** No wait is longer, jitter included. */
  maxMs: number;
  /** ±this share of the wait is drawn at random (0.2: ±20 %), so replicas that failed together do not retry together. */
  jitterRatio: number;
};

/**
 * initial × 2^(failures − 1), capped at max, without jitter, in the unit `initial` and `max` are
 * given in. `failures` ≥ 1 (fewer count as 1).
 */
export function exponentialDelay(initial: number, max: number, failures: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30); // 2^30 × any initial is past any cap
  return Math.min(initial * 2 ** exponent, max);
}

/** `ms` moved by up to ±`ratio` of itself; `random()` in [0, 1), 0.5 leaves it as it is. */
export function withJitter(ms: number, ratio: number, random: () => number = Math.random): number {
  return ms * (1 + ratio * (2 * random() - 1));
}

/** How long to wait after `failures` failures in a row (≥ 1): exponential, jittered, never past `maxMs`. */
export function backoffDelayMs(
  backoff: Backoff,
  failures: number,
  random: () => number = Math.random,
): number {
  const base = exponentialDelay(backoff.initialMs, backoff.maxMs, failures);
  return Math.round(Math.min(withJitter(base, backoff.jitterRatio, random), backoff.maxMs));
}
