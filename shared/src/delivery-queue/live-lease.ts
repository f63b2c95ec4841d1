/**
 * The one "leased" condition: a claim holds the delivery and its lease has not run out
 * (`next_attempt_at` is the lease's end while a claim holds it; a lease that ran out is simply due).
 * Written on `lease_owner` so the partial index `deliveries_leased_idx` serves it; the owner and the
 * fencing token are always set and cleared together.
 */
export function liveLease(alias: string): string {
  return `(${alias}.status = 'pending' AND ${alias}.lease_owner IS NOT NULL AND ${alias}.next_attempt_at > now())`;
}
