import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { startPostgres } from "@event-hub/local-stack/postgres";
import { startPubSub, type PubSubEmulator } from "@event-hub/local-stack/pubsub-emulator";
import { REPO_ROOT, SERVICE_NAMES } from "@event-hub/local-stack/services";
import { createPool, createPubSub, runMigrations } from "@event-hub/shared";
import type { BenchPlan } from "./bench-plan.ts";
import { startBenchReceiver, type BenchReceiver } from "./bench-receiver.ts";
import type { BenchReport } from "./bench-report.ts";
import { LOAD_SETTINGS, SERVICE_LOG_LEVEL, startBenchHub, type BenchHub } from "./bench-hub.ts";
import { measureHttpCeiling } from "./ceiling-http.ts";
import { measurePostgresCeiling } from "./ceiling-postgres.ts";
import { measurePassThroughCeiling, measurePublishCeiling } from "./ceiling-pubsub.ts";
import { runBacklog } from "./phase-backlog.ts";
import { runDeadBacklog } from "./phase-dead-backlog.ts";
import { runIngestLadder } from "./phase-ingest.ts";
import { runWholePath } from "./phase-whole-path.ts";
import { countOutboxWaiting } from "./sync-worker-outbox.ts";
import { waitUntil } from "./wait-until.ts";
import { createUsageMeter, type PhaseUsage, type UsageMeter } from "./usage-meter.ts";

/**
 * One run: the machine's ceilings first (before any service runs, so they have the machine), then
 * the hub as `make up` starts it: (b) backlogs, (c) the whole path, (d) the whole path beside a dead
 * destination's backlog, and (a) ingest alone last (see there); each phase's CPU per process.
 */

type Progress = (line: string) => void;
type PubSub = ReturnType<typeof createPubSub>;
type Run = {
  plan: BenchPlan;
  emulator: PubSubEmulator;
  pubsub: PubSub;
  receiver: BenchReceiver;
  databaseUrl: string;
  db: ReturnType<typeof createPool>;
  report: BenchReport;
  progress: Progress;
};

const SILENT = { error: () => undefined };

export async function runBench(plan: BenchPlan, progress: Progress): Promise<BenchReport> {
  const startedAtMs = Date.now();
  const report = emptyReport(plan);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const [emulator, postgres] = await Promise.all([
      startPubSub({ projectId: "event-hub-bench" }),
      startPostgres(),
    ]);
    cleanups.unshift(
      () => emulator.stop(),
      () => postgres.stop(),
    );
    report.stack = { emulator: emulator.source, postgres: postgres.source };
    const database = `bench_${process.pid}_${startedAtMs}`;
    const databaseUrl = await postgres.createDatabase(database);
    cleanups.unshift(() => postgres.dropDatabase(database));
    const db = createPool({
      connectionString: databaseUrl,
      max: 2,
      applicationName: "bench",
      logger: SILENT,
    });
    cleanups.unshift(() => db.end());
    await runMigrations(db);
    const pubsub = createPubSub({ projectId: emulator.projectId, emulatorHost: emulator.host });
    cleanups.unshift(() => pubsub.close());
    const receiver = await startBenchReceiver();
    cleanups.unshift(() => receiver.close());
    const run: Run = { plan, emulator, pubsub, receiver, databaseUrl, db, report, progress };
    if (plan.parts.has("ceilings")) report.ceilings = await measureCeilings(run, postgres);
    if (["a", "b", "c", "d"].some((part) => plan.parts.has(part as never))) {
      progress("starting the services");
      const hub = await startBenchHub(emulator, databaseUrl);
      cleanups.unshift(() => hub.stop());
      const meter = createUsageMeter(() => pidsOf(hub, emulator, db, database));
      await runHubPhases(run, hub, meter);
      report.usage.peakRssMiB = meter.peakRssMiB();
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
  report.loadAverage.atEnd = loadAverage();
  report.durationSeconds = Math.round((Date.now() - startedAtMs) / 1000);
  const reconciled = [
    ...(report.wholePath ?? []),
    ...(report.deadBacklog ? [report.deadBacklog.healthy] : []),
  ];
  report.lost = reconciled.reduce((sum, result) => sum + (result.lost ?? 0), 0);
  for (const result of reconciled.filter((r) => r.lost === null)) {
    report.notes.push(
      `loss not judged at ${result.targetPerSecond}/s: ${result.notArrived} accepted events still on their way when the drain time ran out`,
    );
  }
  return report;
}

async function measureCeilings(run: Run, postgres: Parameters<typeof measurePostgresCeiling>[0]) {
  const { ceilings } = run.plan;
  run.progress("ceiling: emulator publish");
  const publish = await measurePublishCeiling(run.pubsub, ceilings.publishCount);
  run.progress("ceiling: emulator publish → StreamingPull");
  const passThrough = await measurePassThroughCeiling(
    run.pubsub,
    ceilings.passThroughCount,
    run.plan.deadlineMs,
  );
  run.progress("ceiling: HTTP POST");
  const http = await measureHttpCeiling(run.receiver.url, ceilings.httpConnections, ceilings.httpSecondsEach);
  run.progress("ceiling: Postgres batched inserts");
  return { publish, passThrough, http, postgres: await measurePostgresCeiling(postgres, ceilings.postgres) };
}

async function runHubPhases(run: Run, hub: BenchHub, meter: UsageMeter): Promise<void> {
  const { plan, report, progress } = run;
  const parts = {
    api: hub.api,
    receiver: run.receiver,
    pubsub: run.pubsub,
    topicName: hub.topicName,
    syncWorkerUrl: hub.services.urls.syncWorker,
    db: run.db,
  };
  const phase = usagePhase(meter, report, run.db);
  const common = { connectors: plan.connectors, maxInFlight: plan.maxInFlight };
  if (plan.parts.has("b")) {
    report.backlog = [];
    for (const size of plan.backlog) {
      progress(`(b) backlog of ${size.events} events × ${size.destinations} destination(s)`);
      const options = { ...common, ...size, deadlineMs: plan.deadlineMs };
      const result = await phase(
        `b×${size.destinations}`,
        "deliveries",
        () => runBacklog(parts, options),
        (r) => r.count,
      );
      if (result) report.backlog.push(result);
    }
  }
  const wholePath = { seconds: plan.wholePath.seconds, drainMs: plan.wholePath.drainMs, ...common };
  const behind: Array<() => boolean> = [];
  if (plan.parts.has("c")) {
    report.wholePath = [];
    for (const ratePerSecond of plan.wholePath.rates) {
      progress(`(c) whole path at ${ratePerSecond}/s for ${wholePath.seconds} s`);
      const options = { ...wholePath, ratePerSecond };
      const measured = await phase(
        `c ${ratePerSecond}/s`,
        "deliveries",
        () => runWholePath(parts, options),
        (r) => r.result.delivered,
      );
      if (!measured) break;
      const { result, isDrained } = measured;
      report.wholePath.push(result);
      behind.push(isDrained);
      if (result.isKeepingUp) continue;
      report.notes.push(
        `(c) stopped at ${ratePerSecond}/s: the hub did not keep up (drain: ${result.drain})`,
      );
      break;
    }
  }
  if (plan.parts.has("d")) {
    const options = { ...wholePath, ...plan.deadBacklog, databaseUrl: run.databaseUrl };
    await catchUp(behind, plan.wholePath.drainMs, report.notes);
    progress(
      `(d) ${options.parked} deliveries for a dead destination, healthy one at ${options.ratePerSecond}/s`,
    );
    report.deadBacklog = await phase(
      `d ${options.ratePerSecond}/s`,
      "deliveries",
      () => runDeadBacklog({ ...parts, databaseUrl: run.databaseUrl }, options),
      (r) => r.healthy.delivered,
    );
  }
  // (a) last: its top rate overloads ingest on purpose, and what that leaves in sync-worker's
  // outbox is relayed for minutes (31,768 events at 5,000/s in one run), in front of every later
  // phase's events.
  if (plan.parts.has("a")) {
    progress(`(a) ingest open-loop at ${plan.ingest.rates.join(", ")}/s, dispatcher paused`);
    await hub.pauseDispatcher();
    report.ingest = await phase(
      "a",
      "events",
      () => runIngestLadder(parts, { ...plan.ingest, connectors: plan.connectors }),
      (steps) => steps.reduce((sum, s) => sum + s.accepted, 0),
    );
  }
}

/** Before (d): earlier phases' events still on their way would slow it down, so they get time to arrive. */
async function catchUp(behind: Array<() => boolean>, limitMs: number, notes: string[]): Promise<void> {
  const isCaughtUp = () => behind.every((isDrained) => isDrained());
  await waitUntil(isCaughtUp, "earlier phases' events", limitMs, 100).catch(() =>
    notes.push(
      `(d) started while events of (c) were still on their way (not all arrived within ${limitMs / 1000} s)`,
    ),
  );
}

/**
 * Runs a phase between two samples of every process and notes its CPU per unit. A phase that
 * starts with events in sync-worker's outbox (an earlier overload) says so, since they go out
 * first; a phase that fails (the emulator timing out a publish, say) is a note, and the run goes on.
 */
function usagePhase(meter: UsageMeter, report: BenchReport, db: ReturnType<typeof createPool>) {
  return async <T>(
    name: string,
    unit: PhaseUsage["unit"],
    measure: () => Promise<T>,
    unitsOf: (result: T) => number,
  ): Promise<T | undefined> => {
    const waiting = await countOutboxWaiting(db);
    if (waiting > 0) {
      report.notes.push(
        `phase ${name} started with ${waiting} events still in sync-worker's outbox (relayed first)`,
      );
    }
    const from = await meter.sample();
    try {
      const result = await measure();
      report.usage.phases.push(meter.phase(name, from, await meter.sample(), unitsOf(result), unit));
      return result;
    } catch (error) {
      report.notes.push(`phase ${name} failed: ${(error as Error).message}`);
      return undefined;
    }
  };
}

async function pidsOf(
  hub: BenchHub,
  emulator: PubSubEmulator,
  db: ReturnType<typeof createPool>,
  database: string,
) {
  const children = hub.services.children();
  const backends = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [
    database,
  ]);
  const pids: Record<string, number[]> = {};
  for (const name of SERVICE_NAMES) pids[name] = children[name].isRunning() ? [children[name].pid] : [];
  pids.emulator = emulator.child ? [emulator.child.pid] : [];
  pids.postgres = backends.rows.map((row) => row.pid);
  pids["load generator"] = [process.pid];
  return pids;
}

function emptyReport(plan: BenchPlan): BenchReport {
  const settings: Record<string, string> = { LOG_LEVEL: SERVICE_LOG_LEVEL };
  for (const name of LOAD_SETTINGS) settings[name] = process.env[name] ?? "default";
  settings["destination maxInFlight"] = String(plan.maxInFlight);
  settings["Connectors per phase"] = String(plan.connectors);
  return {
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    commit: commitOf(),
    cores: availableParallelism(),
    loadAverage: { atStart: loadAverage(), atEnd: [] },
    stack: { emulator: "env", postgres: "env" },
    settings,
    parts: [...plan.parts],
    isQuick: plan.isQuick,
    usage: { phases: [], peakRssMiB: {} },
    lost: 0,
    notes: [],
  };
}

function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

/** The checkout's commit, `+dirty` when it has changes; "unknown" outside a git work tree. */
function commitOf(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") === "" ? "" : "+dirty"}`;
  } catch {
    return "unknown";
  }
}
