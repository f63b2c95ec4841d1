import type { Queryable } from "./queryable.ts";

/**
 * The NOTIFY channel that wakes every replica's delivery workers: new or re-queued deliveries are
 * due. The queue's writes notify it themselves; the dispatcher LISTENs on it.
 */
export const DELIVERIES_DUE_CHANNEL = "deliveries_due";

/** Delivered at commit, so a worker woken by it sees the rows. */
export async function notifyDeliveriesDue(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_notify($1, '')`, [DELIVERIES_DUE_CHANNEL]);
}
