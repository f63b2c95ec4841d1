import { Worker } from "node:worker_threads";
import { throughput, type Throughput } from "./throughput.ts";

/**
 * The machine's HTTP ceiling: keep-alive POSTs of the hub's ~1 KB body to the bench's own receiver,
 * as many in flight as the pool has connections (undici Pool, pipelining 1), the client in a worker
 * thread (http-post-worker.ts) as the dispatcher is a process of its own; each pool size tried in
 * turn, the best one is the ceiling.
 */

export type HttpCeiling = { best: Throughput; tried: Throughput[] };

export async function measureHttpCeiling(
  receiverUrl: string,
  connectionCounts: readonly number[],
  secondsEach: number,
): Promise<HttpCeiling> {
  const tried: Throughput[] = [];
  for (const connections of connectionCounts)
    tried.push(await postFor({ receiverUrl, connections, seconds: secondsEach }));
  const best = tried.reduce((a, b) => (b.perSecond > a.perSecond ? b : a), throughput(0, 0, 1, "none"));
  return { best, tried };
}

function postFor(job: { receiverUrl: string; connections: number; seconds: number }): Promise<Throughput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./http-post-worker.ts", import.meta.url), { workerData: job });
    worker.once("message", (result: Throughput) => resolve(result));
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the HTTP ceiling's worker exited with ${code} before answering`)),
    );
  });
}
