#!/usr/bin/env node
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@event-hub/local-stack/services";
import { parsePlan, type BenchPlan } from "./bench-plan.ts";
import { renderReport } from "./results-table.ts";
import { runBench } from "./run-bench.ts";

/**
 * `make bench [ARGS="--quick --only a,c --duration 30"]`: this machine's ceilings and the hub's
 * ingest, dispatch and whole path in one run (run-bench.ts), printed as one table and written to
 * `.local/bench/<time>.json` so that runs can be compared. Exits 1 when an accepted event was lost.
 */

let plan: BenchPlan;
try {
  plan = parsePlan(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}

const report = await runBench(plan, (line) => console.error(`[bench] ${line}`));
const outDir = plan.outDir ?? join(REPO_ROOT, ".local", "bench");
mkdirSync(outDir, { recursive: true });
const jsonFile = join(outDir, `${report.startedAt.replaceAll(":", "-")}.json`);
writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(renderReport(report, jsonFile));
process.exitCode = report.lost > 0 ? 1 : 0;
