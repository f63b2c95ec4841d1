/**
 * The outbound HTTP client alone: CPU µs per POST (this process only; the receiver runs in a child
 * process) and POSTs/s at concurrency 50 and 200 against a local keep-alive receiver, for
 *   - node-fetch over the SSRF-guarded keep-alive agents (`createGuardedFetch`, what send.ts used),
 *   - undici `request` through an `Agent` whose connector does the guarded lookup (raw),
 *   - the guarded undici client (`createGuardedHttpClient`, what send.ts uses now).
 * Each POST carries a webhook-sized body and headers and reads the response body, as a send does;
 * the two guarded clients also carry a timeout signal, as a send does.
 * Clients alternate within each round so a change in machine load hits all of them alike.
 * Options: --posts <n> per run (default 10000), --rounds <n> (default 3).
 * Run: node services/webhook-dispatcher/bench/http-client.bench.ts
 */
import { fork } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import {
  createGuardedFetch,
  createGuardedHttpClient,
  createSsrfPolicy,
  guardedLookup,
  readBodyPrefix,
} from "@event-hub/shared";

if (process.argv.includes("--receiver")) await serveReceiver();
else await runBench();

type Post = (url: string, headers: Record<string, string>, body: string) => Promise<number>;
type Client = { name: string; post: Post; close(): Promise<void> | void };

async function runBench(): Promise<void> {
  const { values } = parseArgs({
    options: { posts: { type: "string", default: "10000" }, rounds: { type: "string", default: "3" } },
  });
  const posts = Number(values.posts);
  const rounds = Number(values.rounds);
  const receiver = fork(import.meta.filename, ["--receiver"]);
  const port = await new Promise<number>((resolve) => receiver.once("message", (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/hook`;
  const policy = createSsrfPolicy(["127.0.0.0/8"]);
  const body = JSON.stringify({
    trigger: "transport.messageReceived",
    data: { id: "MSG0000000000000000", blob: "x".repeat(1000) },
  });
  const headers = {
    "content-type": "application/json",
    "webhook-id": "evt_0000000000000000000000",
    "webhook-timestamp": "1700000000",
    "webhook-signature": `v1,${"A".repeat(44)}`,
  };
  const results = new Map<
    string,
    Array<{ concurrency: number; cpuUsPerPost: number; postsPerSecond: number }>
  >();
  say(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const concurrency of [50, 200]) {
      for (const makeClient of [nodeFetchClient, undiciRawClient, guardedUndiciClient]) {
        const client = makeClient(policy);
        await drive(client.post, url, headers, body, concurrency, 500); // warm: connections, JIT
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await drive(client.post, url, headers, body, concurrency, posts);
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        await client.close();
        const measured = {
          concurrency,
          cpuUsPerPost: (cpu.user + cpu.system) / posts,
          postsPerSecond: posts / seconds,
        };
        results.set(client.name, [...(results.get(client.name) ?? []), measured]);
        say(
          `round ${round} c=${concurrency} ${client.name.padEnd(34)} ` +
            `${measured.cpuUsPerPost.toFixed(1).padStart(6)} µs CPU/POST  ` +
            `${Math.round(measured.postsPerSecond).toString().padStart(6)} POSTs/s`,
        );
      }
    }
  }
  say(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  say("\nmedian over rounds:");
  for (const [name, runs] of results) {
    for (const concurrency of [50, 200]) {
      const at = runs.filter((r) => r.concurrency === concurrency);
      say(
        `c=${concurrency} ${name.padEnd(34)} ${median(at.map((r) => r.cpuUsPerPost))
          .toFixed(1)
          .padStart(6)} µs CPU/POST  ` +
          `${Math.round(median(at.map((r) => r.postsPerSecond)))
            .toString()
            .padStart(6)} POSTs/s`,
      );
    }
  }
  receiver.kill();
}

/** `count` POSTs with `concurrency` in flight; any status other than 200 stops the bench. */
async function drive(
  post: Post,
  url: string,
  headers: Record<string, string>,
  body: string,
  concurrency: number,
  count: number,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count) {
        started++;
        const status = await post(url, headers, body);
        if (status !== 200) throw new Error(`the receiver answered ${status}`);
      }
    }),
  );
}

function nodeFetchClient(policy: ReturnType<typeof createSsrfPolicy>): Client {
  const outbound = createGuardedFetch(policy);
  return {
    name: "node-fetch (guarded agents)",
    async post(url, headers, body) {
      const response = await outbound.fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.text();
      return response.status;
    },
    close: () => outbound.close(),
  };
}

function undiciRawClient(policy: ReturnType<typeof createSsrfPolicy>): Client {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  return {
    name: "undici request (Agent, raw)",
    async post(url, headers, body) {
      const response = await request(url, { method: "POST", headers, body, dispatcher });
      await response.body.text();
      return response.statusCode;
    },
    close: () => dispatcher.close(),
  };
}

function guardedUndiciClient(policy: ReturnType<typeof createSsrfPolicy>): Client {
  const outbound = createGuardedHttpClient(policy);
  return {
    name: "createGuardedHttpClient (undici)",
    async post(url, headers, body) {
      const response = await outbound.request(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await readBodyPrefix(response.body, 16 * 1024);
      return response.statusCode;
    },
    close: () => outbound.close(),
  };
}

/** The receiver, in its own process so its CPU is not counted: 200 "ok" to every POST, kept alive. */
async function serveReceiver(): Promise<void> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (incoming, response) => {
    incoming.resume();
    incoming.on("end", () => response.writeHead(200, { "content-type": "text/plain" }).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send?.((server.address() as AddressInfo).port);
  process.on("disconnect", () => process.exit(0));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
