import { uniqueName } from "@event-hub/local-stack/test-names";
import type { BenchReceiver, PhaseArrivals } from "./bench-receiver.ts";
import type { HubApi } from "./hub-api.ts";
import { prepareIngestLoad } from "./ingest-load.ts";
import { createLatencies, type LatencySummary } from "./latencies.ts";
import { runOpenLoop, type OpenLoopRun } from "./open-loop.ts";
import { readOutboxAccepted } from "./outbox-fallbacks.ts";
import { waitUntil } from "./wait-until.ts";

/**
 * (c) The whole path a user runs: Connector-style POSTs to ingest, open-loop at a fixed rate, through
 * Pub/Sub and the dispatcher to one webhook destination at the bench's receiver. Reconciled by event
 * id: every event ingest answered 2xx must arrive (else it is lost); a second arrival is a duplicate.
 * Latency runs from the scheduled send to the first arrival at the receiver.
 */

export type WholePathResult = {
  targetPerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  ingestErrors: number;
  /** Accepted into sync-worker's outbox rather than published at once. */
  viaOutbox: number;
  ingestLatency: LatencySummary;
  delivered: number;
  /** Deliveries per second from the first scheduled send to the last first arrival. */
  achievedPerSecond: number;
  eventToDelivery: LatencySummary;
  lost: number;
  duplicates: number;
};

export type WholePathOptions = {
  ratePerSecond: number;
  seconds: number;
  connectors: number;
  maxInFlight: number;
  /** After the last send: how long to wait for accepted events still on their way. */
  drainMs: number;
};

/** After everything arrived: watching this long more for late duplicates. */
const SETTLE_MS = 1000;

export async function runWholePath(
  parts: { api: HubApi; receiver: BenchReceiver; syncWorkerUrl: string },
  options: WholePathOptions,
): Promise<WholePathResult> {
  const phase = uniqueName(`bench-c${options.ratePerSecond}`);
  const load = await prepareIngestLoad(parts.api, phase, options.connectors, true);
  const arrivals = parts.receiver.track(phase);
  await parts.api.createWebhook({
    url: `${parts.receiver.url}/${phase}/`,
    connectorIds: load.connectorIds,
    maxInFlight: options.maxInFlight,
  });
  const count = Math.round(options.ratePerSecond * options.seconds);
  const outboxBefore = await readOutboxAccepted(parts.syncWorkerUrl);
  const run = await runOpenLoop(load.pool, load.request, { ratePerSecond: options.ratePerSecond, count });
  const viaOutbox = (await readOutboxAccepted(parts.syncWorkerUrl)) - outboxBefore;
  await load.pool.close();
  const isAllThere = () => run.eventIds.every((id) => id === undefined || arrivals.firstAt.has(id));
  await waitUntil(isAllThere, "every accepted event at the receiver", options.drainMs, 100).catch(
    () => undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return { ...reconcile(run, arrivals, options, count), viaOutbox };
}

function reconcile(
  run: OpenLoopRun,
  arrivals: PhaseArrivals,
  options: WholePathOptions,
  count: number,
): Omit<WholePathResult, "viaOutbox"> {
  const latencies = createLatencies(count);
  let lost = 0;
  run.eventIds.forEach((id, seq) => {
    if (id === undefined) return;
    const arrivedAt = arrivals.firstAt.get(id);
    if (arrivedAt === undefined) lost += 1;
    else latencies.record(arrivedAt - run.scheduledAt(seq));
  });
  const delivered = latencies.count();
  const seconds = Math.max(1e-3, (arrivals.lastAt - run.startedAt) / 1000);
  return {
    targetPerSecond: options.ratePerSecond,
    seconds: options.seconds,
    sent: count,
    accepted: run.accepted,
    ingestErrors: run.errors,
    ingestLatency: run.latency,
    delivered,
    achievedPerSecond: delivered > 0 ? Math.round(delivered / seconds) : 0,
    eventToDelivery: latencies.summary(),
    lost,
    duplicates: arrivals.duplicates,
  };
}
