import { droppedByEmulator, isScenarioPassed, type ScenarioResult } from "./scenario-result.ts";

/**
 * The table `make chaos` prints and the README shows: one row per scenario, Markdown so that it
 * reads in a terminal and pastes into the README as it is.
 */

const HEADER = [
  "scenario",
  "sent",
  "ingest non-2xx",
  "delivered",
  "lost (hub)",
  "dropped by emulator",
  "duplicates",
  "time to drain",
  "manual steps",
  "restarts",
  "verdict",
];

export function renderResultsTable(results: readonly ScenarioResult[]): string {
  const rows = results.map(rowOf);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [line(HEADER), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

function rowOf(result: ScenarioResult): string[] {
  const r = result.reconciliation;
  const count = (value: number | undefined): string => (value === undefined ? "—" : String(value));
  return [
    result.title,
    count(r?.sent),
    count(r?.ingestRefused),
    count(r?.delivered),
    count(r === undefined ? undefined : (result.lossEvidence?.hubLost ?? r.lost)),
    r === undefined ? "—" : String(droppedByEmulator(result)),
    count(r?.duplicates),
    result.drainMs === undefined ? "not drained" : `${(result.drainMs / 1000).toFixed(1)} s`,
    String(result.manualSteps),
    String(result.serviceRestarts),
    verdictOf(result),
  ];
}

function verdictOf(result: ScenarioResult): string {
  if (result.error) return `error: ${result.error.split("\n")[0]?.slice(0, 80) ?? ""}`;
  const dropped = droppedByEmulator(result);
  // Loud: the run passes, but events were lost, only not by the hub.
  const drops = dropped > 0 ? `EMULATOR DROPPED ${dropped}` : "";
  if (isScenarioPassed(result)) return drops ? `ok, ${drops}` : "ok";
  if (result.manualSteps > 0 && !isHubLoss(result)) return "manual steps";
  return drops ? `LOSS, ${drops}` : "LOSS";
}

function isHubLoss(result: ScenarioResult): boolean {
  const r = result.reconciliation;
  if (!r) return false;
  const evidence = result.lossEvidence;
  return (evidence?.hubLost ?? r.lost) > 0 || (evidence?.hubLostByDataId ?? r.lostByDataId) > 0;
}
