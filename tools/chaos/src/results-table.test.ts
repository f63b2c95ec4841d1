import { describe, expect, it } from "vitest";
import type { Reconciliation } from "./reconcile.ts";
import { renderResultsTable } from "./results-table.ts";
import type { ScenarioResult } from "./scenario-result.ts";

const reconciliation = (overrides: Partial<Reconciliation> = {}): Reconciliation => ({
  sent: 500,
  ingestRefused: 0,
  accepted: 500,
  delivered: 500,
  lost: 0,
  lostByDataId: 0,
  duplicates: 0,
  dataMismatches: 0,
  deliveredNotAccepted: 0,
  invalidSignatures: 0,
  lostDataIds: [],
  lastFirstReceiptAtMs: 1,
  ...overrides,
});
const result = (overrides: Partial<ScenarioResult>): ScenarioResult => ({
  name: "x",
  title: "x",
  reconciliation: reconciliation(),
  drainMs: 1234,
  manualSteps: 0,
  serviceRestarts: 0,
  notes: [],
  durationMs: 1,
  ...overrides,
});

describe("renderResultsTable", () => {
  it("prints one aligned Markdown row per scenario with its verdict", () => {
    const table = renderResultsTable([
      result({ title: "Postgres restarted" }),
      result({
        title: "emulator restarted",
        reconciliation: reconciliation({ ingestRefused: 3, delivered: 400, lost: 97 }),
        drainMs: undefined,
      }),
      result({ title: "receiver 410", manualSteps: 2 }),
      result({ title: "broken", reconciliation: undefined, drainMs: undefined, error: "no broker\nmore" }),
    ]);
    expect(table.split("\n")).toStrictEqual([
      "| scenario           | sent | ingest non-2xx | delivered | lost | duplicates | time to drain | manual steps | restarts | verdict          |",
      "| ------------------ | ---- | -------------- | --------- | ---- | ---------- | ------------- | ------------ | -------- | ---------------- |",
      "| Postgres restarted | 500  | 0              | 500       | 0    | 0          | 1.2 s         | 0            | 0        | ok               |",
      "| emulator restarted | 500  | 3              | 400       | 97   | 0          | not drained   | 0            | 0        | LOSS             |",
      "| receiver 410       | 500  | 0              | 500       | 0    | 0          | 1.2 s         | 2            | 0        | manual steps     |",
      "| broken             | —    | —              | —         | —    | —          | not drained   | 0            | 0        | error: no broker |",
    ]);
  });
});
