/**
 * The breaker as the claim and "why is this waiting" both read it (columns of `destination_health h`):
 * open while `breaker_open_until` lies ahead (nothing may go); half-open once that time has passed
 * and no success has closed it (a success clears the column): one probe at a time.
 */
export const BREAKER_STATE = `COALESCE(h.breaker_open_until <= now(), false) AS is_probing,
            COALESCE(h.breaker_open_until > now(), false) AS is_breaker_open`;
