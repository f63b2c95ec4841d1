import type { Pool, PoolClient } from "pg";
import { withTransaction } from "../db/pool.ts";
import type { BreakerTransition } from "./breaker-state.ts";
import { recordHalfOpen } from "./claim-queries.ts";
import { leaseDeliveries, type ClaimedDelivery } from "./lease.ts";
import { hasDueWork } from "./due-work.ts";
import { liveLease } from "./live-lease.ts";

/** What one claim holds: 1..N deliveries of one destination, sent together (a batch) or one by one. */
export type DeliveryClaim = { destinationId: string; deliveries: ClaimedDelivery[] };

export type BatchClaimOptions = {
  owner: string;
  leaseSeconds: number;
  /** Most batches (destinations) to claim now: one slot each. */
  maxBatches: number;
  /** Most deliveries in one batch; the rest go in the next interval's batch. */
  maxBatchSize: number;
  /** The triggers a batch can carry; due deliveries of others are parked. */
  batchedTriggers: readonly string[];
};

/** The batches claimed, and the breakers whose first probe one of them is (open → half-open). */
export type BatchClaim = { batches: DeliveryClaim[]; transitions: BreakerTransition[] };

/**
 * Claims the batches whose interval has come, in one transaction, under the same lease model as
 * single deliveries: lock the destination (one replica at a time), park what a batch cannot carry,
 * lease its due deliveries (a dead worker's batch is simply due again after the lease) and start its
 * interval. A batch destination with a live lease is skipped: one batch in flight at once.
 */
export async function claimBatches(db: Pool, options: BatchClaimOptions): Promise<BatchClaim> {
  return withTransaction(db, async (client) => {
    const batches: DeliveryClaim[] = [];
    const transitions: BreakerTransition[] = [];
    for (const destinationId of await lockDueBatchDestinations(client, options.maxBatches)) {
      await parkUnbatchable(client, destinationId, options.batchedTriggers);
      const ids = await pickBatch(client, destinationId, options.batchedTriggers, options.maxBatchSize);
      if (ids.length === 0) continue;
      await markBatchStarted(client, destinationId);
      // One batch in flight at a time: a half-open batch destination's probe is this batch.
      const probes = await recordHalfOpen(client, destinationId);
      if (probes !== undefined) transitions.push({ destinationId, from: "open", to: "half_open", probes: 1 });
      const { owner, leaseSeconds } = options;
      batches.push({
        destinationId,
        deliveries: await leaseDeliveries(client, { ids, owner, leaseSeconds }),
      });
    }
    return { batches, transitions };
  });
}

/** The interval from the stored config; a config without a number waits 60 s (its batch then fails as config). */
const INTERVAL_SECONDS = `CASE WHEN jsonb_typeof(d.config -> 'publishIntervalSeconds') = 'number'
  THEN (d.config ->> 'publishIntervalSeconds')::float8 ELSE 60 END`;

/**
 * Batch destinations whose next batch may start now, locked for this transaction (SKIP LOCKED: one
 * replica at a time): enabled, breaker not open, an interval since the last batch began, no batch in
 * flight (no live lease), and due work waiting.
 */
async function lockDueBatchDestinations(client: PoolClient, limit: number): Promise<string[]> {
  const result = await client.query<{ id: string }>(
    `SELECT d.id
       FROM destinations d
       LEFT JOIN destination_health h ON h.destination_id = d.id
      WHERE d.enabled AND d.type = 'batch'
        AND (h.breaker_open_until IS NULL OR h.breaker_open_until <= now())
        AND (h.batch_started_at IS NULL
             OR h.batch_started_at + make_interval(secs => ${INTERVAL_SECONDS}) <= now())
        AND NOT EXISTS (SELECT 1 FROM deliveries l WHERE l.destination_id = d.id AND ${liveLease("l")})
        AND ${hasDueWork("d")}
      ORDER BY h.batch_started_at NULLS FIRST
      LIMIT $1
        FOR NO KEY UPDATE OF d SKIP LOCKED`,
    [limit],
  );
  return result.rows.map((row) => row.id);
}

/**
 * Parks due deliveries whose trigger a batch cannot carry (webhooks v1 has only `messages` and
 * `relationships`): visible with a reason instead of waiting forever.
 */
async function parkUnbatchable(
  client: PoolClient,
  destinationId: string,
  triggers: readonly string[],
): Promise<number> {
  const result = await client.query(
    `UPDATE deliveries d
        SET status = 'parked', finished_at = now(), lease_owner = NULL, lease_token = NULL,
            last_error = 'batch destinations carry only ' || array_to_string($2::text[], ' and ') || ' events'
       FROM events e
      WHERE e.id = d.event_id AND d.destination_id = $1 AND d.status = 'pending'
        AND d.next_attempt_at <= now() AND e.trigger <> ALL ($2::text[])`,
    [destinationId, triggers],
  );
  return result.rowCount ?? 0;
}

/**
 * Ids of up to `limit` due deliveries of a batch destination that a batch can carry, in storage order.
 * The trigger is checked here again, not only by parkUnbatchable: under READ COMMITTED a delivery the
 * consumer stores between the two statements would otherwise ride along unchecked.
 */
async function pickBatch(
  client: PoolClient,
  destinationId: string,
  triggers: readonly string[],
  limit: number,
): Promise<string[]> {
  const result = await client.query<{ id: string }>(
    `SELECT d.id FROM deliveries d
       JOIN events e ON e.id = d.event_id
      WHERE d.destination_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
        AND e.trigger = ANY ($2::text[])
      ORDER BY d.seq
      LIMIT $3
        FOR UPDATE OF d SKIP LOCKED`,
    [destinationId, triggers, limit],
  );
  return result.rows.map((row) => row.id);
}

/** Starts the destination's interval: its next batch may begin `publishIntervalSeconds` from now. */
async function markBatchStarted(client: PoolClient, destinationId: string): Promise<void> {
  await client.query(
    `INSERT INTO destination_health (destination_id, batch_started_at) VALUES ($1, now())
     ON CONFLICT (destination_id) DO UPDATE SET batch_started_at = now()`,
    [destinationId],
  );
}
