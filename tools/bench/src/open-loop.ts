import type { Pool } from "undici";
import { createLatencies, type LatencySummary } from "./latencies.ts";

/**
 * Open-loop load: request `seq` is due at `start + seq / rate`, whatever the answers so far, and
 * its latency counts from that scheduled instant (so a slow answer cannot hide the requests that
 * should have gone out meanwhile: no coordinated omission). Requests go through one undici Pool
 * (keep-alive, pipelining 1); latencies into a pre-sized array.
 */

export type OpenLoopPlan = { ratePerSecond: number; count: number };

export type OpenLoopRequest = {
  path(seq: number): string;
  headers(seq: number): Record<string, string>;
  body(seq: number): string;
  /** Read the event id from each 2xx answer (`{result: {id}}`), to reconcile at the receiver. */
  isKeepingIds: boolean;
};

export type OpenLoopRun = {
  startedAt: number;
  /** performance.now() when request `seq` was due. */
  scheduledAt(seq: number): number;
  /** The event id of each accepted request, by seq; undefined when not accepted (or not kept). */
  eventIds: Array<string | undefined>;
  accepted: number;
  /** Non-2xx answers and requests that got no answer. */
  errors: number;
  /** performance.now() of the last answer. */
  lastAnswerAt: number;
  latency: LatencySummary;
};

const REQUEST_TIMEOUT_MS = 15_000;
/** The send loop's shortest sleep: Node keeps no timer shorter than 1 ms. */
const TICK_MS = 1;

export async function runOpenLoop(
  pool: Pool,
  request: OpenLoopRequest,
  plan: OpenLoopPlan,
): Promise<OpenLoopRun> {
  const latencies = createLatencies(plan.count);
  const eventIds = new Array<string | undefined>(plan.count);
  const intervalMs = 1000 / plan.ratePerSecond;
  const startedAt = performance.now();
  const scheduledAt = (seq: number): number => startedAt + seq * intervalMs;
  const outcome = { accepted: 0, errors: 0, lastAnswerAt: startedAt };
  const inFlight: Array<Promise<void>> = [];
  const send = async (seq: number): Promise<void> => {
    try {
      const answer = await pool.request({
        method: "POST",
        path: request.path(seq),
        headers: request.headers(seq),
        body: request.body(seq),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      const isAccepted = answer.statusCode >= 200 && answer.statusCode < 300;
      if (isAccepted && request.isKeepingIds) {
        eventIds[seq] = ((await answer.body.json()) as { result: { id: string } }).result.id;
      } else await answer.body.dump();
      if (isAccepted) outcome.accepted += 1;
      else outcome.errors += 1;
    } catch {
      outcome.errors += 1;
    }
    outcome.lastAnswerAt = performance.now();
    latencies.record(outcome.lastAnswerAt - scheduledAt(seq));
  };
  for (let seq = 0; seq < plan.count;) {
    const now = performance.now();
    for (; seq < plan.count && scheduledAt(seq) <= now; seq += 1) inFlight.push(send(seq));
    if (seq < plan.count) await sleep(Math.max(TICK_MS, scheduledAt(seq) - performance.now()));
  }
  await Promise.all(inFlight);
  return { startedAt, scheduledAt, eventIds, ...outcome, latency: latencies.summary() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
