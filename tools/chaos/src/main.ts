#!/usr/bin/env node
import { join } from "node:path";
import { REPO_ROOT } from "@event-hub/local-stack/services";
import { renderResultsTable } from "./results-table.ts";
import { runScenarios, type ChaosRun } from "./run-scenarios.ts";
import { SCENARIOS, selectScenarios } from "./scenario-catalog.ts";
import type { Scenario } from "./scenario.ts";

/**
 * `make chaos [SCENARIOS="name …"]`: runs the scenarios (all by default; `--quick` for those `make
 * test` runs), prints the table, writes `.local/chaos/<time>/results.json` with the services' logs
 * beside it, and exits 1 when the hub lost an event in any scenario, one needed a manual step or could
 * not run. Events the emulator dropped (loss-evidence.ts) are told loudly but do not fail it.
 */

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(
    `usage: node tools/chaos/src/main.ts [--quick] [scenario …]\nscenarios: ${SCENARIOS.map((s) => s.name).join(", ")}`,
  );
  process.exit(0);
}
const names = args.filter((arg) => !arg.startsWith("--"));
let scenarios: Scenario[];
try {
  scenarios = args.includes("--quick")
    ? SCENARIOS.filter((scenario) => scenario.isQuick)
    : selectScenarios(names);
} catch (error) {
  console.error(`chaos: ${(error as Error).message}`);
  process.exit(2);
}

const run = await runScenarios(scenarios, {
  outputDir: join(REPO_ROOT, ".local", "chaos"),
  progress: (line) => console.error(`[chaos] ${line}`),
});
console.log(renderResultsTable(run.results));
console.log(`\n${verdictLine(run)}`);
console.log(
  `${run.startedAt}, ${Math.round(run.durationMs / 1000)} s, load average ${run.loadAverage.atStart.join(" ")} at the start, ` +
    `${run.loadAverage.atEnd.join(" ")} at the end; details and logs: ${run.resultsFile}`,
);
process.exitCode = run.isPassed ? 0 : 1;

/** The summary: the hub's verdict, and the emulator's drops said out loud even when the run passed. */
function verdictLine(run: ChaosRun): string {
  const verdict = run.isPassed ? "PASSED: the hub lost no event" : "FAILED: see the verdict column";
  if (run.droppedByEmulator === 0) return verdict;
  return (
    `${verdict}; THE PUB/SUB EMULATOR DROPPED ${run.droppedByEmulator} EVENT(S) it had acked (lost with its ` +
    "state when it was killed, never pulled: a loss real Pub/Sub cannot have; evidence per event in results.json)"
  );
}
