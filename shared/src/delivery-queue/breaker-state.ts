/**
 * The breaker as the claim, "why is this waiting" and /metrics all read it (columns of
 * `destination_health h`): open while `breaker_open_until` lies ahead (nothing may go); half-open
 * once that time has passed and no success has closed it (a success clears the column): at most
 * `breaker_probes` probes in flight at once; closed without the column.
 */
const BREAKER_OPEN = "h.breaker_open_until > now()";
const BREAKER_HALF_OPEN = "h.breaker_open_until <= now()";

export type BreakerState = "closed" | "open" | "half_open";

/** A change of a destination's breaker, for the dispatcher to log and count once. */
export type BreakerTransition = {
  destinationId: string;
  from: BreakerState;
  to: BreakerState;
  /** What the window held when the transition was decided (closed → open). */
  window?: { successes: number; failures: number };
  /** Open: nothing is sent before this time. */
  openUntil?: Date;
  /** Half-open: most probes in flight at once. */
  probes?: number;
};

/**
 * Select-list columns `is_probing`, `is_breaker_open` (false without a health row), `probe_limit`
 * (rows opened before the limit was stored probe one at a time) and `is_half_open_recorded`.
 */
export const BREAKER_STATE = `COALESCE(${BREAKER_HALF_OPEN}, false) AS is_probing,
            COALESCE(${BREAKER_OPEN}, false) AS is_breaker_open,
            COALESCE(h.breaker_probes, 1) AS probe_limit,
            h.breaker_half_open_at IS NOT NULL AS is_half_open_recorded`;

/** Select-list columns counting destinations by state: `open`, `half_open`, `closed`. */
export const BREAKER_COUNTS = `count(*) FILTER (WHERE ${BREAKER_OPEN})::int AS open,
            count(*) FILTER (WHERE ${BREAKER_HALF_OPEN})::int AS half_open,
            count(*) FILTER (WHERE h.breaker_open_until IS NULL)::int AS closed`;
