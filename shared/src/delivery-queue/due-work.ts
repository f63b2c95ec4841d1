/**
 * SQL: destination `alias` has a pending delivery that is due. A subquery with LIMIT 1, not EXISTS:
 * Postgres may turn an EXISTS into a join that reads every pending delivery and groups them by
 * destination, and it did so whenever its statistics were older than a burst of new rows. In
 * `make bench` (d), with 100,000 due deliveries stored at once for one destination, auto_explain
 * showed the claim's lock statement reading 105,968 rows for each claim (40–60 ms, Postgres CPU
 * doubled, a healthy destination's p50 from 57 ms to 2.9 s). A subquery per destination row always
 * probes that destination's due index: one row read whatever the backlog.
 */
export function hasDueWork(alias: string): string {
  return `(SELECT true FROM deliveries w
            WHERE w.destination_id = ${alias}.id AND w.status = 'pending' AND w.next_attempt_at <= now()
            LIMIT 1)`;
}
