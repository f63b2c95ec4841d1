/**
 * `make bench-ingest`: N concurrent clients post events to a real sync-worker process (emulator +
 * Postgres), each client as its own Connector, each waiting for its 2xx before the next post (as a
 * Connector's webhooks module waits per POST). Prints events/s and p50/p99 ingest latency beside
 * the raw emulator publish rate measured in the same run with the same payload, and how many
 * events went to Pub/Sub at once vs the outbox (from the worker's /metrics): a run where any
 * went to the outbox measured the fallback too, so it is flagged and exits non-zero.
 * Options: --clients <n> (default 16), --events <n> (default 4000), --payload-bytes <n> (default 1000).
 */
import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { createPubSub, encodeEvent, ensureTopic, newId, runMigrations, createPool } from "@event-hub/shared";
import type { Pool } from "pg";
import { findFreePort } from "@event-hub/local-stack/free-port";
import { startPostgres } from "@event-hub/local-stack/postgres";
import { startPubSub } from "@event-hub/local-stack/pubsub-emulator";
import { startSyncWorkerProcess } from "../test/sync-worker-process.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "16" },
    events: { type: "string", default: "4000" },
    "payload-bytes": { type: "string", default: "1000" },
  },
});
const clients = Number(values.clients);
const totalEvents = Number(values.events);
const data = { id: "MSG0000000000000000", blob: "x".repeat(Number(values["payload-bytes"])) };

const emulator = await startPubSub({ projectId: "bench-ingest" });
const postgres = await startPostgres();
const database = `bench_ingest_${process.pid}`;
const databaseUrl = await postgres.createDatabase(database);
const silent = { error: () => undefined };
const db: Pool = createPool({
  connectionString: databaseUrl,
  max: 2,
  applicationName: "bench",
  logger: silent,
});
const pubsub = createPubSub({ projectId: emulator.projectId, emulatorHost: emulator.host });
const cleanups: Array<() => Promise<unknown>> = [
  () => pubsub.close(),
  () => db.end(),
  () => postgres.dropDatabase(database),
  () => postgres.stop(),
  () => emulator.stop(),
];

try {
  await runMigrations(db);
  const raw = await measureRawPublish();
  const connectors = await registerConnectors();
  const port = await findFreePort();
  const worker = await startWorker(port);
  cleanups.unshift(() => worker.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await runClients(baseUrl, connectors.slice(0, 1), clients); // warm-up
  const before = await ingestedByPath(baseUrl);
  const result = await runClients(baseUrl, connectors, totalEvents);
  const after = await ingestedByPath(baseUrl);
  print(raw, result);
  printPaths({ pubsub: after.pubsub - before.pubsub, outbox: after.outbox - before.outbox });
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}

type Measured = { events: number; seconds: number; latenciesMs: number[]; failures: number };

/** The emulator alone: the same messages, N ordered keys, N publishers in flight at a time. */
async function measureRawPublish(): Promise<Measured> {
  const topicName = `raw-${randomBytes(4).toString("hex")}`;
  await ensureTopic(pubsub, topicName);
  const topic = pubsub.topic(topicName, {
    messageOrdering: true,
    batching: { maxMessages: 100, maxMilliseconds: 5 },
  });
  const latenciesMs: number[] = [];
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next < totalEvents) {
        next++;
        const encoded = encodeEvent({
          id: newId("evt"),
          trigger: "transport.messageReceived",
          data,
          connectorId: `bench-${client}`,
          time: new Date().toISOString(),
        });
        if (!encoded.ok) throw new Error(encoded.reason);
        const t0 = performance.now();
        await topic.publishMessage(encoded.message);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return {
    events: latenciesMs.length,
    seconds: (performance.now() - startedAt) / 1000,
    latenciesMs,
    failures: 0,
  };
}

async function registerConnectors(): Promise<Array<{ id: string; key: string }>> {
  const connectors = Array.from({ length: clients }, (_, i) => ({
    id: `bench-${i}`,
    key: `ingk_${randomBytes(16).toString("base64url")}`,
  }));
  for (const { id, key } of connectors) {
    await db.query(
      // Enabled: a disabled Connector's events are refused (403). SYNC_ENABLED=false keeps syncs away.
      `INSERT INTO connectors (id, name, base_url, ingest_key_hash) VALUES ($1, $1, 'http://127.0.0.1:9', $2)`,
      [id, createHash("sha256").update(key).digest("hex")],
    );
  }
  return connectors;
}

async function startWorker(port: number) {
  const topicName = `bench-${randomBytes(4).toString("hex")}`;
  return await startSyncWorkerProcess({
    name: "sync-worker",
    port,
    env: {
      DATABASE_URL: databaseUrl,
      PUBSUB_EMULATOR_HOST: emulator.host,
      PUBSUB_PROJECT_ID: emulator.projectId,
      PUBSUB_TOPIC: topicName,
      PUBSUB_SUBSCRIPTION: `${topicName}-dispatcher`,
      SECRETS_KEY: randomBytes(32).toString("base64"),
      SYNC_ENABLED: "false",
    },
  });
}

async function runClients(
  baseUrl: string,
  connectors: Array<{ id: string; key: string }>,
  events: number,
): Promise<Measured> {
  const body = JSON.stringify({ trigger: "transport.messageReceived", data });
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    connectors.map(async ({ id, key }) => {
      while (next < events) {
        next++;
        const t0 = performance.now();
        const response = await fetch(`${baseUrl}/v1/ingest/${id}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": key },
          body,
        });
        await response.arrayBuffer();
        latenciesMs.push(performance.now() - t0);
        if (response.status !== 202) failures++;
      }
    }),
  );
  return {
    events: latenciesMs.length,
    seconds: (performance.now() - startedAt) / 1000,
    latenciesMs,
    failures,
  };
}

type IngestedByPath = { pubsub: number; outbox: number };

/** hub_events_ingested_total summed per path, from the worker's /metrics. */
async function ingestedByPath(baseUrl: string): Promise<IngestedByPath> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const counts: IngestedByPath = { pubsub: 0, outbox: 0 };
  for (const line of text.split("\n")) {
    const match = /^hub_events_ingested_total\{.*path="(pubsub|outbox)".*\} (\S+)$/.exec(line);
    if (match) counts[match[1] as keyof IngestedByPath] += Number(match[2]);
  }
  return counts;
}

function printPaths(paths: IngestedByPath): void {
  say(`accepted via Pub/Sub at once: ${paths.pubsub}   via the outbox: ${paths.outbox}`);
  if (paths.outbox > 0) {
    say(
      `FLAGGED: ${paths.outbox} events fell back to the outbox (Pub/Sub failed or exceeded PUBLISH_TIMEOUT_MS); the figures above include the fallback path`,
    );
    process.exitCode = 1;
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function print(raw: Measured, ingest: Measured): void {
  const line = (name: string, m: Measured) =>
    `${name.padEnd(34)} ${(m.events / m.seconds).toFixed(0).padStart(7)} events/s   p50 ${percentile(m.latenciesMs, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(m.latenciesMs, 99).toFixed(1).padStart(6)} ms`;
  say(
    `ingest benchmark: ${clients} concurrent clients, ${totalEvents} events of ~${data.blob.length} B, emulator ${emulator.source}, Postgres ${postgres.source}`,
  );
  say(line("raw emulator publish (same run)", raw));
  say(line("sync-worker ingest (HTTP → ack)", ingest));
  say(
    `ingest / raw: ${((ingest.events / ingest.seconds / (raw.events / raw.seconds)) * 100).toFixed(0)} %   non-202 answers: ${ingest.failures}`,
  );
}
