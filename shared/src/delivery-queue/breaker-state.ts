/**
 * The breaker as the claim, "why is this waiting" and /metrics all read it (columns of
 * `destination_health h`): open while `breaker_open_until` lies ahead (nothing may go); half-open
 * once that time has passed and no success has closed it (a success clears the column): one probe at
 * a time; closed without the column.
 */
const BREAKER_OPEN = "h.breaker_open_until > now()";
const BREAKER_HALF_OPEN = "h.breaker_open_until <= now()";

/** Select-list columns `is_probing` and `is_breaker_open` (false without a health row). */
export const BREAKER_STATE = `COALESCE(${BREAKER_HALF_OPEN}, false) AS is_probing,
            COALESCE(${BREAKER_OPEN}, false) AS is_breaker_open`;

/** Select-list columns counting destinations by state: `open`, `half_open`, `closed`. */
export const BREAKER_COUNTS = `count(*) FILTER (WHERE ${BREAKER_OPEN})::int AS open,
            count(*) FILTER (WHERE ${BREAKER_HALF_OPEN})::int AS half_open,
            count(*) FILTER (WHERE h.breaker_open_until IS NULL)::int AS closed`;
