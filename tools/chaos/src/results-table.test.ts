import { describe, expect, it } from "vitest";
import type { LossEvidence } from "./loss-evidence.ts";
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
  lostEvents: [],
  missingDataIds: [],
  lastFirstReceiptAtMs: 1,
  lastDeliveredFirstReceiptAtMs: 1,
  ...overrides,
});
const evidence = (hubLost: number, droppedByEmulator: number): LossEvidence => ({
  hubLost,
  hubLostByDataId: hubLost,
  droppedByEmulator,
  lostEvents: [],
  emulatorRestarts: [],
});
const result = (overrides: Partial<ScenarioResult>): ScenarioResult => ({
  name: "x",
  title: "x",
  reconciliation: reconciliation(),
  lossEvidence: evidence(0, 0),
  drainMs: 1234,
  manualSteps: 0,
  serviceRestarts: 0,
  notes: [],
  durationMs: 1,
  ...overrides,
});

describe("renderResultsTable", () => {
  it("prints one aligned Markdown row per scenario, the hub's loss and the emulator's apart", () => {
    const table = renderResultsTable([
      result({ title: "Postgres restarted" }),
      result({
        title: "emulator restarted",
        reconciliation: reconciliation({ ingestRefused: 3, delivered: 400, lost: 97, lostByDataId: 97 }),
        lossEvidence: evidence(95, 2),
        drainMs: undefined,
      }),
      result({
        title: "emulator dropped",
        reconciliation: reconciliation({ delivered: 498, lost: 2, lostByDataId: 2 }),
        lossEvidence: evidence(0, 2),
      }),
      result({ title: "receiver 410", manualSteps: 2 }),
      result({
        title: "broken",
        reconciliation: undefined,
        lossEvidence: undefined,
        drainMs: undefined,
        error: "no broker\nmore",
      }),
    ]);
    expect(table.split("\n")).toStrictEqual([
      "| scenario           | sent | ingest non-2xx | delivered | lost (hub) | dropped by emulator | duplicates | time to drain | manual steps | restarts | verdict                  |",
      "| ------------------ | ---- | -------------- | --------- | ---------- | ------------------- | ---------- | ------------- | ------------ | -------- | ------------------------ |",
      "| Postgres restarted | 500  | 0              | 500       | 0          | 0                   | 0          | 1.2 s         | 0            | 0        | ok                       |",
      "| emulator restarted | 500  | 3              | 400       | 95         | 2                   | 0          | not drained   | 0            | 0        | LOSS, EMULATOR DROPPED 2 |",
      "| emulator dropped   | 500  | 0              | 498       | 0          | 2                   | 0          | 1.2 s         | 0            | 0        | ok, EMULATOR DROPPED 2   |",
      "| receiver 410       | 500  | 0              | 500       | 0          | 0                   | 0          | 1.2 s         | 2            | 0        | manual steps             |",
      "| broken             | —    | —              | —         | —          | —                   | —          | not drained   | 0            | 0        | error: no broker         |",
    ]);
  });

  it("counts every lost event as the hub's when there is no evidence", () => {
    const table = renderResultsTable([
      result({ reconciliation: reconciliation({ lost: 3, lostByDataId: 3 }), lossEvidence: undefined }),
    ]);
    expect(table.split("\n")[2]).toContain("| 3          | 0                   |");
    expect(table).toContain("LOSS");
  });
});
