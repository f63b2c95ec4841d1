import { parentPort, workerData } from "node:worker_threads";
import { Pool } from "undici";
import { ingestBody } from "./bench-event.ts";
import { throughput } from "./throughput.ts";

/**
 * The HTTP ceiling's client, in a worker thread of its own so that it does not share an event loop
 * (a core) with the receiver it measures: `connections` keep-alive POSTs in flight for `seconds`,
 * through one undici Pool (pipelining 1). Posts its Throughput back.
 */

type Job = { receiverUrl: string; connections: number; seconds: number };

const { receiverUrl, connections, seconds } = workerData as Job;
const pool = new Pool(receiverUrl, { connections, pipelining: 1 });
const body = ingestBody(0);
const headers = { "content-type": "application/json" };
let count = 0;
const startedAt = performance.now();
const endAt = startedAt + seconds * 1000;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < endAt) {
      const answer = await pool.request({ method: "POST", path: "/raw", headers, body });
      await answer.body.dump();
      count += 1;
    }
  }),
);
const result = throughput(count, startedAt, performance.now(), `undici Pool, ${connections} connections`);
await pool.close();
parentPort?.postMessage(result);
