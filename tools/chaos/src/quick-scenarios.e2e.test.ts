import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChaosStack, type ChaosStack } from "./chaos-stack.ts";
import { renderResultsTable } from "./results-table.ts";
import { runScenario } from "./run-scenario.ts";
import { SCENARIOS } from "./scenario-catalog.ts";
import type { ScenarioResult } from "./scenario-result.ts";

// The quickest scenarios of `make chaos`, in `make test`: the same runner on a stack of the suite's
// own (its Postgres, its emulator), so that a fault never reaches the test run's shared servers.
// The whole suite runs on demand (`make chaos`).
describe("make chaos, quick scenarios", () => {
  const logDir = mkdtempSync(join(tmpdir(), "hub-chaos-test-"));
  const results: ScenarioResult[] = [];
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await startChaosStack();
  });

  afterAll(async () => {
    await stack?.stop();
    if (results.length > 0) console.log(renderResultsTable(results));
    const isAllPassed = results.every((result) => result.reconciliation?.lost === 0 && !result.error);
    if (isAllPassed) rmSync(logDir, { recursive: true, force: true });
    else console.log(`services' logs kept in ${logDir}`);
  });

  const quick = SCENARIOS.filter((scenario) => scenario.isQuick);

  it.each(quick.map((scenario) => [scenario.name, scenario] as const))(
    "%s: every event ingest accepted reaches the receiver, with no manual step",
    async (_name, scenario) => {
      const result = await runScenario(stack, scenario, logDir);
      results.push(result);
      expect(result.error, result.notes.join("\n")).toBeUndefined();
      expect(result.reconciliation?.accepted).toBeGreaterThan(0);
      expect(result.reconciliation?.lost, result.notes.join("\n")).toBe(0);
      expect(result.reconciliation?.lostByDataId).toBe(0);
      expect(result.reconciliation?.invalidSignatures).toBe(0);
      expect(result.manualSteps).toBe(0);
    },
    90_000,
  );
});
