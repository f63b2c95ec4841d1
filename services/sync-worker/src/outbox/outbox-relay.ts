import { createPeriodicTask, withTransaction } from "@event-hub/shared";
import type { EventAcceptorDeps } from "../ingest/event-acceptor.ts";
import {
  deleteOutboxEvents,
  listOutboxConnectors,
  readOutboxBatch,
  readOutboxStats,
  tryLockRelay,
  type OutboxRow,
} from "./outbox-store.ts";

/** What the acceptor publishes with (the relay finishes what it put in the outbox), and its pace. */
export type OutboxRelayDeps = EventAcceptorDeps & {
  intervalMs: number;
  batchSize: number;
};

export type OutboxRelay = {
  /** One pass: publishes what waits, in order, and deletes what Pub/Sub acked. Returns that count. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
};

/**
 * Drains the ingest outbox into Pub/Sub. One replica relays at a time (a transaction-scoped advisory
 * lock), rows go out oldest first with the Connector as ordering key, and a Connector's rows after
 * its first failure stay for the next pass, so nothing overtakes an older event.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const runOnce = async (): Promise<number> => {
    const since = deps.backlog.generation();
    // Held (publish-guard.ts): the rows wait; the backlog and the depth metrics stay current.
    const relayed = deps.publisher.holdReason() === undefined ? await relayAll(deps) : 0;
    deps.backlog.replace(await listOutboxConnectors(deps.db), since);
    const stats = await readOutboxStats(deps.db);
    deps.metrics.outboxDepth.set(stats.depth);
    deps.metrics.outboxOldestAgeSeconds.set(stats.oldestAgeSeconds);
    return relayed;
  };

  const task = createPeriodicTask({
    name: "outbox relay pass",
    intervalMs: deps.intervalMs,
    run: runOnce,
    logger: deps.logger,
  });
  return { runOnce, start: task.start, stop: task.stop };
}

async function relayAll(deps: OutboxRelayDeps): Promise<number> {
  let relayed = 0;
  for (;;) {
    const batch = await relayBatch(deps);
    relayed += batch.acked;
    if (!batch.isFull || batch.acked === 0) return relayed;
  }
}

async function relayBatch(deps: OutboxRelayDeps): Promise<{ acked: number; isFull: boolean }> {
  return await withTransaction(deps.db, async (client) => {
    if (!(await tryLockRelay(client))) return { acked: 0, isFull: false };
    const rows = await readOutboxBatch(client, deps.batchSize);
    const acked = await publishInOrder(deps, rows);
    if (acked.length > 0) logAcked(deps, rows, acked);
    await deleteOutboxEvents(client, acked);
    return { acked: acked.length, isFull: rows.length === deps.batchSize };
  });
}

/**
 * The count at info; the event ids only at debug, logged once Pub/Sub acked and before the rows are
 * deleted: which events left the outbox, and when (make chaos's loss evidence).
 */
function logAcked(deps: OutboxRelayDeps, rows: readonly OutboxRow[], ackedSeqs: readonly string[]): void {
  deps.logger.info({ relayed: ackedSeqs.length }, "outbox events published");
  const acked = new Set(ackedSeqs);
  const eventIds = rows.filter((row) => acked.has(row.seq)).map((row) => row.event_id);
  deps.logger.debug({ eventIds, publishedVia: "relay" }, "outbox events acked by Pub/Sub");
}

/** Publishes every row (the client keeps per-key call order); returns the seqs of each key's acked prefix. */
async function publishInOrder(deps: OutboxRelayDeps, rows: OutboxRow[]): Promise<string[]> {
  const startedAt = performance.now();
  const outcomes = await Promise.allSettled(
    rows.map((row) =>
      deps.publisher.publish(
        { data: row.data, attributes: row.attributes, orderingKey: row.ordering_key },
        deps.publishTimeoutMs,
      ),
    ),
  );
  const blocked = new Set<string>();
  const acked: string[] = [];
  rows.forEach((row, i) => {
    if (blocked.has(row.ordering_key)) return;
    if (outcomes[i]?.status === "fulfilled") acked.push(row.seq);
    else blocked.add(row.ordering_key);
  });
  if (acked.length > 0) {
    deps.metrics.publishSeconds.observe({ path: "relay" }, (performance.now() - startedAt) / 1000);
  }
  return acked;
}
