import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startChaosStack } from "./chaos-stack.ts";
import { runScenario } from "./run-scenario.ts";
import type { Scenario } from "./scenario.ts";
import { droppedByEmulator, isScenarioPassed, type ScenarioResult } from "./scenario-result.ts";

/** A run: the scenarios one after the other on one stack, their results and where they were written. */
export type ChaosRun = {
  startedAt: string;
  durationMs: number;
  /** os.loadavg() at the start and at the end: CPU contention makes times noisy. */
  loadAverage: { atStart: number[]; atEnd: number[] };
  results: ScenarioResult[];
  /** The stack's warnings, e.g. an unpatched emulator (ordering keys may stall after a SIGKILL). */
  warnings: string[];
  isPassed: boolean;
  /** Accepted events the emulator dropped, over all scenarios: they do not fail the run, but are told. */
  droppedByEmulator: number;
  /** The JSON file holding all of this; the services' logs are beside it. */
  resultsFile: string;
};

export type RunOptions = {
  /** Where results and logs go: `<outputDir>/<run id>/` (the repository's `.local/chaos` for make chaos). */
  outputDir: string;
  /** A line per scenario as it starts and ends. */
  progress?: (line: string) => void;
};

export async function runScenarios(scenarios: readonly Scenario[], options: RunOptions): Promise<ChaosRun> {
  const startedAt = new Date();
  const runDir = join(options.outputDir, startedAt.toISOString().replaceAll(":", "-").replace(/\..*$/, ""));
  mkdirSync(runDir, { recursive: true });
  const atStart = loadavg();
  const progress = options.progress ?? (() => undefined);
  const stack = await startChaosStack();
  const results: ScenarioResult[] = [];
  for (const warning of stack.warnings) progress(`WARNING: ${warning}`);
  try {
    for (const scenario of scenarios) {
      progress(`${scenario.name}: running`);
      const result = await runScenario(stack, scenario, runDir);
      results.push(result);
      progress(`${scenario.name}: ${describe(result)} (${Math.round(result.durationMs / 1000)} s)`);
    }
  } finally {
    await stack.stop();
  }
  const run: ChaosRun = {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    loadAverage: { atStart: atStart.map(round), atEnd: loadavg().map(round) },
    results,
    warnings: stack.warnings,
    isPassed: results.every(isScenarioPassed),
    droppedByEmulator: results.reduce((sum, result) => sum + droppedByEmulator(result), 0),
    resultsFile: join(runDir, "results.json"),
  };
  writeFileSync(run.resultsFile, `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

function describe(result: ScenarioResult): string {
  if (result.error) return `error: ${result.error}`;
  const r = result.reconciliation;
  const dropped = droppedByEmulator(result);
  const drops = dropped > 0 ? `, ${dropped} DROPPED BY THE EMULATOR` : "";
  const hubLost = result.lossEvidence?.hubLost ?? r?.lost ?? "?";
  return isScenarioPassed(result)
    ? `ok, ${r?.delivered ?? 0} delivered${drops}`
    : `FAILED: ${hubLost} lost by the hub, ${result.manualSteps} manual steps${drops}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
