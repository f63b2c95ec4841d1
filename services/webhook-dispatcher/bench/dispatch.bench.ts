/**
 * `make bench-dispatch`: the three real services (emulator + a fresh Postgres database); events are
 * published straight to the services' topic and delivered by webhook-dispatcher to a local
 * keep-alive receiver. Prints deliveries/s and p50/p99 event-to-delivery latency (publish call →
 * request at the receiver) for 1 destination (full speed and paced) and 10 destinations (fan-out),
 * beside the raw emulator publish→pull rate (all at once and paced) and the raw HTTP POST rate
 * measured in the same run, and
 * each service's peak RSS. Stops by itself (every phase has a deadline) and cleans up.
 * Options: --events <n> (1 destination, default 2000), --fanout-events <n> (× 10, default 300),
 * --paced-events <n> (default 200) at --paced-rate <events/s> (default 50), --payload-bytes (1000).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  createPool,
  createPubSub,
  encodeEvent,
  ensureSubscription,
  ensureTopic,
  newId,
  runMigrations,
} from "@event-hub/shared";
import type { Topic } from "@google-cloud/pubsub";
import fetch from "node-fetch";
import type { Pool } from "pg";
import { startPostgres } from "@event-hub/local-stack/postgres";
import { startPubSub } from "@event-hub/local-stack/pubsub-emulator";
import { SERVICE_NAMES, startServices, type RunningServices } from "@event-hub/local-stack/services";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "2000" },
    "fanout-events": { type: "string", default: "300" },
    "paced-events": { type: "string", default: "200" },
    "paced-rate": { type: "string", default: "50" },
    "payload-bytes": { type: "string", default: "1000" },
  },
});
const events = Number(values.events);
const fanoutEvents = Number(values["fanout-events"]);
const pacedEvents = Number(values["paced-events"]);
const pacedRate = Number(values["paced-rate"]);
const data = { id: "MSG0000000000000000", blob: "x".repeat(Number(values["payload-bytes"])) };
const CONNECTORS_PER_SCENARIO = 8;
const HTTP_CONCURRENCY = 50; // the max_in_flight the scenarios give their destinations
const PHASE_DEADLINE_MS = 180_000;

type Measured = {
  label: string;
  count: number;
  expected: number;
  seconds: number;
  latenciesMs: number[];
  /** webhook-dispatcher's CPU time over the scenario (user + system), where /proc tells it. */
  dispatcherCpuMs?: number;
};

const emulator = await startPubSub({ projectId: "bench-dispatch" });
const postgres = await startPostgres();
const database = `bench_dispatch_${process.pid}`;
const databaseUrl = await postgres.createDatabase(database);
const db: Pool = createPool({
  connectionString: databaseUrl,
  max: 2,
  applicationName: "bench",
  logger: { error: () => undefined },
});
const pubsub = createPubSub({ projectId: emulator.projectId, emulatorHost: emulator.host });
const receiver = await startKeepAliveReceiver();
const topicName = `bench-events-${randomBytes(4).toString("hex")}`;
const cleanups: Array<() => Promise<unknown>> = [
  () => receiver.close(),
  () => pubsub.close(),
  () => db.end(),
  () => postgres.dropDatabase(database),
  () => postgres.stop(),
  () => emulator.stop(),
];

try {
  await runMigrations(db);
  const rawPubSub = await measureRawPublishPull("raw emulator publish→pull", events, 0);
  const rawPaced = await measureRawPublishPull(`raw emulator paced ${pacedRate}/s`, pacedEvents, pacedRate);
  const rawHttp = await measureRawHttp();
  const services = await startServices({
    env: {
      DATABASE_URL: databaseUrl,
      PUBSUB_EMULATOR_HOST: emulator.host,
      PUBSUB_PROJECT_ID: emulator.projectId,
      SECRETS_KEY: randomBytes(32).toString("base64"),
      ADMIN_API_KEY: randomBytes(32).toString("base64url"),
      LOG_LEVEL: "warn",
    },
    ports: "free",
    quiet: true,
    readyTimeoutMs: 120_000, // a loaded shared machine can be slow to start three services
    extraEnv: { PUBSUB_TOPIC: topicName, PUBSUB_SUBSCRIPTION: `bench-dispatcher-${process.pid}` },
  });
  cleanups.unshift(() => services.stop());
  const topic = pubsub.topic(topicName, { messageOrdering: true, batching: { maxMilliseconds: 5 } });
  await runScenario(topic, "warm-up", 1, 50, 0);
  const withCpu = dispatcherCpu(services);
  const single = await withCpu(() => runScenario(topic, "1 destination, full speed", 1, events, 0));
  const paced = await withCpu(() =>
    runScenario(topic, `1 destination, paced ${pacedRate}/s`, 1, pacedEvents, pacedRate),
  );
  const fanout = await withCpu(() => runScenario(topic, "10 destinations (fan-out)", 10, fanoutEvents, 0));
  print([rawPubSub, rawPaced, rawHttp, single, paced, fanout], peakRss(services));
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}

/**
 * The emulator alone: publish `count` messages (8 ordering keys; all at once, or `ratePerSecond`
 * paced like the paced scenario) and pull them with a streaming pull, acking at once.
 */
async function measureRawPublishPull(label: string, count: number, ratePerSecond: number): Promise<Measured> {
  const name = `raw-${randomBytes(4).toString("hex")}`;
  await ensureTopic(pubsub, name);
  await ensureSubscription(pubsub, name, name, { enableMessageOrdering: true, ackDeadlineSeconds: 60 });
  const topic = pubsub.topic(name, { messageOrdering: true, batching: { maxMilliseconds: 5 } });
  const sentAt = new Map<string, number>();
  const latenciesMs: number[] = [];
  const subscription = pubsub.subscription(name, { flowControl: { maxMessages: 1000 } });
  const started = performance.now();
  const allPulled = new Promise<void>((resolve) => {
    subscription.on("message", (message: { attributes: Record<string, string>; ack(): void }) => {
      message.ack();
      const sent = sentAt.get(message.attributes["ce-id"] ?? "");
      if (sent !== undefined) latenciesMs.push(performance.now() - sent);
      if (latenciesMs.length >= count) resolve();
    });
  });
  const publishes: Array<Promise<string>> = [];
  for (let i = 0; i < count; i++) {
    if (ratePerSecond > 0) await sleepUntil(started + (i * 1000) / ratePerSecond);
    const id = newId("evt");
    sentAt.set(id, performance.now());
    publishes.push(topic.publishMessage(encoded(id, `raw-${i % CONNECTORS_PER_SCENARIO}`)));
  }
  await Promise.all(publishes);
  await withDeadline(allPulled);
  const seconds = (performance.now() - started) / 1000;
  await subscription.close();
  return { label, count: latenciesMs.length, expected: count, seconds, latenciesMs };
}

/** Plain keep-alive POSTs of the same body to the same receiver, as many at once as the dispatcher. */
async function measureRawHttp(): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true });
  const body = JSON.stringify({ trigger: "transport.messageReceived", data });
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HTTP_CONCURRENCY }, async () => {
      while (next < events) {
        next++;
        const t0 = performance.now();
        const response = await fetch(`${receiver.url}/raw`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          agent,
        });
        await response.arrayBuffer();
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  return {
    label: "raw HTTP POST (keep-alive)",
    count: latenciesMs.length,
    expected: events,
    seconds,
    latenciesMs,
  };
}

/** `destinations` destinations for this scenario's Connectors; publishes `count` events; waits for every delivery. */
async function runScenario(
  topic: Topic,
  label: string,
  destinations: number,
  count: number,
  ratePerSecond: number,
): Promise<Measured> {
  const scenario = randomBytes(3).toString("hex");
  const connectors = Array.from({ length: CONNECTORS_PER_SCENARIO }, (_, i) => `bench-${scenario}-${i}`);
  for (let d = 0; d < destinations; d++) {
    await db.query(
      `INSERT INTO destinations (id, type, triggers, connector_ids, config, max_in_flight)
       VALUES ($1, 'webhook', '{**}', $2, $3, 50)`,
      [newId("whk"), connectors, { url: `${receiver.url}/${scenario}/${d}` }],
    );
  }
  const expected = count * destinations;
  const sentAt = new Map<string, number>();
  const arrived = receiver.expect(scenario, expected);
  const started = performance.now();
  const publishes: Array<Promise<string>> = [];
  for (let i = 0; i < count; i++) {
    if (ratePerSecond > 0) await sleepUntil(started + (i * 1000) / ratePerSecond);
    const id = newId("evt");
    sentAt.set(id, performance.now());
    publishes.push(topic.publishMessage(encoded(id, connectors[i % connectors.length] ?? "")));
  }
  await Promise.all(publishes);
  const arrivals = await withDeadline(arrived.done).then(
    () => arrived.arrivals,
    () => arrived.arrivals,
  );
  const last = Math.max(started, ...arrivals.map((a) => a.at));
  const latenciesMs = arrivals.flatMap((a) => {
    const sent = sentAt.get(a.eventId);
    return sent === undefined ? [] : [a.at - sent];
  });
  return { label, count: arrivals.length, expected, seconds: (last - started) / 1000, latenciesMs };
}

type Arrival = { eventId: string; at: number };

/** A keep-alive HTTP receiver that answers 200 and notes when each delivery of a scenario arrived. */
async function startKeepAliveReceiver() {
  const waiting = new Map<string, { arrivals: Arrival[]; expected: number; resolve: () => void }>();
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    request.resume();
    request.on("end", () => {
      const at = performance.now();
      const scenario = (request.url ?? "").split("/")[1] ?? "";
      const entry = waiting.get(scenario);
      if (entry) {
        entry.arrivals.push({ eventId: String(request.headers["webhook-id"]), at });
        if (entry.arrivals.length >= entry.expected) entry.resolve();
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    expect(scenario: string, expected: number) {
      const arrivals: Arrival[] = [];
      const done = new Promise<void>((resolve) => waiting.set(scenario, { arrivals, expected, resolve }));
      return { arrivals, done };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function encoded(id: string, connectorId: string) {
  const result = encodeEvent({
    id,
    connectorId,
    trigger: "transport.messageReceived",
    data,
    time: new Date().toISOString(),
  });
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

/** VmHWM of each service process (Linux /proc), in MiB. */
/**
 * Runs a scenario and adds webhook-dispatcher's CPU time over it: a cost per delivery that a loaded
 * shared machine disturbs far less than the rate. Linux only (/proc), ticks of 10 ms (CLK_TCK 100).
 */
function dispatcherCpu(services: RunningServices) {
  const pid = services.children()["webhook-dispatcher"].pid;
  const cpuMs = (): number | undefined => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15)
    } catch {
      return undefined;
    }
  };
  return async (scenario: () => Promise<Measured>): Promise<Measured> => {
    const before = cpuMs();
    const measured = await scenario();
    const after = cpuMs();
    return before === undefined || after === undefined
      ? measured
      : { ...measured, dispatcherCpuMs: after - before };
  };
}

function peakRss(services: RunningServices): Array<[string, string]> {
  const children = services.children();
  return SERVICE_NAMES.map((name) => {
    try {
      const status = readFileSync(`/proc/${children[name].pid}/status`, "utf8");
      const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
      return [name, `${(kib / 1024).toFixed(0)} MiB`];
    } catch {
      return [name, "n/a (no /proc)"];
    }
  });
}

function withDeadline(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error("deadline passed")), PHASE_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function sleepUntil(time: number): Promise<void> {
  const ms = time - performance.now();
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function print(results: Measured[], rss: Array<[string, string]>): void {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `dispatch benchmark: payload ~${data.blob.length} B, emulator ${emulator.source}, Postgres ${postgres.source}, ${String(
      navigatorCores(),
    )} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  for (const m of results) {
    const missing = m.count < m.expected ? `   MISSING ${m.expected - m.count} of ${m.expected}` : "";
    const cpu =
      m.dispatcherCpuMs === undefined || m.count === 0
        ? ""
        : `   dispatcher CPU ${((m.dispatcherCpuMs * 1000) / m.count).toFixed(0).padStart(5)} µs/delivery`;
    say(
      `${m.label.padEnd(30)} ${String(m.count).padStart(6)} in ${m.seconds.toFixed(2).padStart(6)} s  ${(m.count / m.seconds).toFixed(0).padStart(6)}/s   p50 ${percentile(m.latenciesMs, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(m.latenciesMs, 99).toFixed(1).padStart(7)} ms${cpu}${missing}`,
    );
  }
  say(`peak RSS: ${rss.map(([name, value]) => `${name} ${value}`).join(", ")}`);
}

function navigatorCores(): number {
  return globalThis.navigator?.hardwareConcurrency ?? 0;
}
