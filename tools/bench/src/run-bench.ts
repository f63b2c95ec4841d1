import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { startPostgres, type PostgresServer } from "@event-hub/local-stack/postgres";
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
import { createUsageMeter, type PhaseUsage, type UsageMeter } from "./usage-meter.ts";

/**
 * One run: the machine's ceilings first (before any service runs, so they have the machine), then
 * the hub as `make up` starts it, a fresh one per phase: (b) backlogs, (c) the whole path, (d) the
 * whole path beside a dead destination's backlog, and (a) ingest alone; each phase's CPU per process.
 */

type Progress = (line: string) => void;
type PubSub = ReturnType<typeof createPubSub>;
type Run = {
  plan: BenchPlan;
  emulator: PubSubEmulator;
  pubsub: PubSub;
  postgres: PostgresServer;
  receiver: BenchReceiver;
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
    const pubsub = createPubSub({ projectId: emulator.projectId, emulatorHost: emulator.host });
    cleanups.unshift(() => pubsub.close());
    const receiver = await startBenchReceiver();
    cleanups.unshift(() => receiver.close());
    const run: Run = { plan, emulator, postgres, pubsub, receiver, report, progress };
    if (plan.parts.has("ceilings")) report.ceilings = await measureCeilings(run, postgres);
    if (["a", "b", "c", "d"].some((part) => plan.parts.has(part as never))) {
      let current: HubStack | undefined;
      const meter = createUsageMeter(async () => (current ? pidsOf(current, emulator) : {}));
      const withFreshHub = async (work: (stack: HubStack) => Promise<void>) => {
        progress("starting a fresh hub (new database, topic and services)");
        current = await startHubStack(run, `bench_${process.pid}_${startedAtMs}_${++hubCount}`);
        try {
          await work(current);
        } finally {
          await current.stop().catch(() => undefined);
          current = undefined;
        }
      };
      let hubCount = 0;
      await runHubPhases(run, withFreshHub, meter);
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

/** One phase's hub: the services on a database and topic of their own, so no phase inherits another's backlog. */
type HubStack = {
  hub: BenchHub;
  db: ReturnType<typeof createPool>;
  database: string;
  databaseUrl: string;
  stop(): Promise<void>;
};

async function startHubStack(run: Run, database: string): Promise<HubStack> {
  const databaseUrl = await run.postgres.createDatabase(database);
  const db = createPool({ connectionString: databaseUrl, max: 2, applicationName: "bench", logger: SILENT });
  await runMigrations(db);
  const hub = await startBenchHub(run.emulator, databaseUrl);
  return {
    hub,
    db,
    database,
    databaseUrl,
    async stop() {
      await hub.stop();
      await db.end();
      await run.postgres.dropDatabase(database);
    },
  };
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

type WithFreshHub = (work: (stack: HubStack) => Promise<void>) => Promise<void>;

/**
 * The hub's phases, each group on a fresh hub: an overloaded phase leaves events in sync-worker's
 * outbox and in its subscription that would otherwise go out in front of the next phase's (31,768
 * outbox events after ingest at 5,000/s in one run), and the next phase would measure that.
 */
async function runHubPhases(run: Run, withFreshHub: WithFreshHub, meter: UsageMeter): Promise<void> {
  const { plan, report, progress } = run;
  const partsOf = (stack: HubStack) => ({
    api: stack.hub.api,
    receiver: run.receiver,
    pubsub: run.pubsub,
    topicName: stack.hub.topicName,
    syncWorkerUrl: stack.hub.services.urls.syncWorker,
    db: stack.db,
  });
  const common = { connectors: plan.connectors, maxInFlight: plan.maxInFlight };
  if (plan.parts.has("b")) {
    report.backlog = [];
    for (const size of plan.backlog) {
      await withFreshHub(async (stack) => {
        progress(`(b) backlog of ${size.events} events × ${size.destinations} destination(s)`);
        const options = { ...common, ...size, deadlineMs: plan.deadlineMs };
        const result = await usagePhase(meter, report, stack.db)(
          `b×${size.destinations}`,
          "deliveries",
          () => runBacklog(partsOf(stack), options),
          (r) => r.count,
        );
        if (result) report.backlog?.push(result);
      });
    }
  }
  const wholePath = { seconds: plan.wholePath.seconds, drainMs: plan.wholePath.drainMs, ...common };
  if (plan.parts.has("c")) {
    report.wholePath = [];
    for (const ratePerSecond of plan.wholePath.rates) {
      let isKeepingUp = false;
      await withFreshHub(async (stack) => {
        progress(`(c) whole path at ${ratePerSecond}/s for ${wholePath.seconds} s`);
        const options = { ...wholePath, ratePerSecond };
        const measured = await usagePhase(meter, report, stack.db)(
          `c ${ratePerSecond}/s`,
          "deliveries",
          () => runWholePath(partsOf(stack), options),
          (r) => r.delivered,
        );
        if (!measured) return;
        report.wholePath?.push(measured);
        isKeepingUp = measured.isKeepingUp;
        if (!isKeepingUp)
          report.notes.push(
            `(c) stopped at ${ratePerSecond}/s: the hub did not keep up (drain: ${measured.drain})`,
          );
      });
      if (!isKeepingUp) break;
    }
  }
  if (plan.parts.has("d")) {
    await withFreshHub(async (stack) => {
      const options = { ...wholePath, ...plan.deadBacklog, databaseUrl: stack.databaseUrl };
      progress(
        `(d) ${options.parked} deliveries for a dead destination, healthy one at ${options.ratePerSecond}/s`,
      );
      report.deadBacklog = await usagePhase(meter, report, stack.db)(
        `d ${options.ratePerSecond}/s`,
        "deliveries",
        () => runDeadBacklog({ ...partsOf(stack), databaseUrl: stack.databaseUrl }, options),
        (r) => r.healthy.delivered,
      );
    });
  }
  if (plan.parts.has("a")) {
    await withFreshHub(async (stack) => {
      progress(`(a) ingest open-loop at ${plan.ingest.rates.join(", ")}/s, dispatcher paused`);
      await stack.hub.pauseDispatcher();
      report.ingest = await usagePhase(meter, report, stack.db)(
        "a",
        "events",
        () => runIngestLadder(partsOf(stack), { ...plan.ingest, connectors: plan.connectors }),
        (steps) => steps.reduce((sum, s) => sum + s.accepted, 0),
      );
    });
  }
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

async function pidsOf(stack: HubStack, emulator: PubSubEmulator) {
  const children = stack.hub.services.children();
  const backends = await stack.db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1",
    [stack.database],
  );
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
