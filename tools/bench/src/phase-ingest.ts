import { uniqueName } from "@event-hub/local-stack/test-names";
import type { HubApi } from "./hub-api.ts";
import { prepareIngestLoad } from "./ingest-load.ts";
import type { LatencySummary } from "./latencies.ts";
import { runOpenLoop } from "./open-loop.ts";
import { readOutboxAccepted } from "./sync-worker-outbox.ts";

/**
 * (a) Ingest alone, open-loop: Connector-style POSTs at each fixed arrival rate in turn, each for
 * `seconds`, until a rate the hub cannot keep up with (less than 90 % of it accepted per second,
 * or more than 1 % errors); that step is the last.
 */

export type IngestStep = {
  targetPerSecond: number;
  sent: number;
  accepted: number;
  errors: number;
  /** Accepted into sync-worker's outbox rather than published at once. */
  viaOutbox: number;
  achievedPerSecond: number;
  /** From each request's scheduled send to its answer. */
  latency: LatencySummary;
  isKeepingUp: boolean;
};

const KEEPING_UP_SHARE = 0.9;
const ERROR_SHARE = 0.01;

export async function runIngestLadder(
  parts: { api: HubApi; syncWorkerUrl: string },
  options: { rates: readonly number[]; seconds: number; connectors: number },
): Promise<IngestStep[]> {
  const load = await prepareIngestLoad(parts.api, uniqueName("bench-a"), options.connectors, false);
  const steps: IngestStep[] = [];
  try {
    await runOpenLoop(load.pool, load.request, { ratePerSecond: 100, count: 100 }); // connections warmed up
    for (const rate of options.rates) {
      const count = Math.round(rate * options.seconds);
      const outboxBefore = await readOutboxAccepted(parts.syncWorkerUrl);
      const run = await runOpenLoop(load.pool, load.request, { ratePerSecond: rate, count });
      const viaOutbox = (await readOutboxAccepted(parts.syncWorkerUrl)) - outboxBefore;
      const seconds = Math.max(options.seconds, (run.lastAnswerAt - run.startedAt) / 1000);
      const achievedPerSecond = Math.round(run.accepted / seconds);
      const isKeepingUp = achievedPerSecond >= KEEPING_UP_SHARE * rate && run.errors <= ERROR_SHARE * count;
      steps.push({
        targetPerSecond: rate,
        sent: count,
        accepted: run.accepted,
        errors: run.errors,
        viaOutbox,
        achievedPerSecond,
        latency: run.latency,
        isKeepingUp,
      });
      if (!isKeepingUp) break;
    }
  } finally {
    await load.pool.close();
  }
  return steps;
}
