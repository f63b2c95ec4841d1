import { uniqueName } from "@event-hub/local-stack/test-names";
import type { createPool } from "@event-hub/shared";
import type { BenchReceiver, PhaseArrivals } from "./bench-receiver.ts";
import { drain, type DrainOutcome } from "./drain.ts";
import type { HubApi } from "./hub-api.ts";
import { prepareIngestLoad } from "./ingest-load.ts";
import { createLatencies, type LatencySummary } from "./latencies.ts";
import { runOpenLoop, type OpenLoopRun } from "./open-loop.ts";
import { countOutboxWaiting, readOutboxAccepted } from "./sync-worker-outbox.ts";

/**
 * (c) The whole path a user runs: Connector-style POSTs to ingest, open-loop at a fixed rate, through
 * Pub/Sub and the dispatcher to one webhook destination at the bench's receiver. Reconciled by event
 * id: every event ingest answered 2xx must arrive (else it is lost); a second arrival is a duplicate.
 * Latency runs from the scheduled send to the first arrival at the receiver. A loss is judged only
 * once the hub is idle (drain.ts): an event still on its way when the drain time ran out is behind.
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
  /** Accepted events not at the receiver when the drain ended. */
  notArrived: number;
  drain: DrainOutcome;
  /** `notArrived` once the hub stopped delivering; null when it was still behind (not judged). */
  lost: number | null;
  duplicates: number;
  /** Delivered at ≥ 90 % of the rate, drained, ≤ 1 % ingest errors. */
  isKeepingUp: boolean;
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
/** Nothing at the receiver for this long while events are missing and none wait in the outbox: lost. */
const STALL_MS = 10_000;
const KEEPING_UP_SHARE = 0.9;
const ERROR_SHARE = 0.01;

export async function runWholePath(
  parts: { api: HubApi; receiver: BenchReceiver; syncWorkerUrl: string; db: ReturnType<typeof createPool> },
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
  const isDrained = allArrived(run.eventIds, arrivals);
  const isHubIdle = async () => (await countOutboxWaiting(parts.db)) === 0;
  const outcome = await drain(
    isDrained,
    { lastArrivalAt: parts.receiver.lastArrivalAt, isHubIdle },
    {
      deadlineMs: options.drainMs,
      stallMs: STALL_MS,
    },
  );
  if (outcome === "complete") await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const reconciled = reconcile(run, arrivals, options, count);
  const lost = outcome === "deadline" ? null : reconciled.notArrived;
  return { ...reconciled, viaOutbox, drain: outcome, lost };
}

/** A check that remembers how far it got: the ids before the first missing one are not looked at again. */
function allArrived(eventIds: Array<string | undefined>, arrivals: PhaseArrivals): () => boolean {
  let checked = 0;
  return () => {
    for (; checked < eventIds.length; checked += 1) {
      const id = eventIds[checked];
      if (id !== undefined && !arrivals.firstAt.has(id)) return false;
    }
    return true;
  };
}

function reconcile(
  run: OpenLoopRun,
  arrivals: PhaseArrivals,
  options: WholePathOptions,
  count: number,
): Omit<WholePathResult, "viaOutbox" | "drain" | "lost"> {
  const latencies = createLatencies(count);
  let notArrived = 0;
  run.eventIds.forEach((id, seq) => {
    if (id === undefined) return;
    const arrivedAt = arrivals.firstAt.get(id);
    if (arrivedAt === undefined) notArrived += 1;
    else latencies.record(arrivedAt - run.scheduledAt(seq));
  });
  const delivered = latencies.count();
  const seconds = Math.max(1e-3, (arrivals.lastAt - run.startedAt) / 1000);
  const achievedPerSecond = delivered > 0 ? Math.round(delivered / seconds) : 0;
  return {
    targetPerSecond: options.ratePerSecond,
    seconds: options.seconds,
    sent: count,
    accepted: run.accepted,
    ingestErrors: run.errors,
    ingestLatency: run.latency,
    delivered,
    achievedPerSecond,
    eventToDelivery: latencies.summary(),
    notArrived,
    duplicates: arrivals.duplicates,
    isKeepingUp:
      notArrived === 0 &&
      achievedPerSecond >= KEEPING_UP_SHARE * options.ratePerSecond &&
      run.errors <= ERROR_SHARE * count,
  };
}
