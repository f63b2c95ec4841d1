import type { BenchReport } from "./bench-report.ts";
import type { LatencySummary } from "./latencies.ts";
import type { WholePathResult } from "./phase-whole-path.ts";
import type { Throughput } from "./throughput.ts";

/**
 * The run as ONE table: figure | ceiling (this machine, same run) | hub | ratio (hub ÷ ceiling) |
 * goal (issue 14), under a header with the date, commit, load average and the settings used.
 */

type Row = { figure: string; ceiling: string; hub: string; ratio: string; goal: string };

const SERVICE_RSS_GOAL = "≤ 120 MiB";
const SERVICES = ["sync-worker", "webhook-dispatcher", "api-gateway"];
/** The services first, then what they stand on, then the bench itself. */
const PROCESS_ORDER = [...SERVICES, "emulator", "postgres", "load generator"];

export function renderReport(report: BenchReport, jsonFile: string | undefined): string {
  const load = (values: number[]) => values.join(" ");
  const header = [
    `make bench${report.isQuick ? " --quick" : ""} (${report.parts.join(",")}): ${report.startedAt}, commit ${report.commit}, ${report.cores} cores, ` +
      `emulator ${report.stack.emulator}, Postgres ${report.stack.postgres}, ${report.durationSeconds} s`,
    `load average ${load(report.loadAverage.atStart)} at the start, ${load(report.loadAverage.atEnd)} at the end`,
    `settings: ${Object.entries(report.settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}`,
  ];
  const footer = [
    ...report.notes,
    `lost (accepted by ingest, never at the receiver once the hub stopped delivering): ${report.lost}`,
  ];
  if (jsonFile) footer.push(`JSON: ${jsonFile}`);
  return [...header, "", renderTable(rowsOf(report)), "", ...footer].join("\n");
}

function rowsOf(report: BenchReport): Row[] {
  return [
    ...ceilingRows(report),
    ...ingestRows(report),
    ...backlogRows(report),
    ...wholePathRows(report),
    ...deadBacklogRows(report),
    ...usageRows(report),
  ];
}

function ceilingRows({ ceilings }: BenchReport): Row[] {
  if (!ceilings) return [];
  const row = (figure: string, t: Throughput): Row => ({
    figure,
    ceiling: `${rate(t.perSecond)} (${t.setting})`,
    hub: "",
    ratio: "",
    goal: "",
  });
  return [
    row("ceiling: emulator publish, batched", ceilings.publish),
    row("ceiling: emulator publish → StreamingPull", ceilings.passThrough),
    row("ceiling: HTTP keep-alive POST", ceilings.http.best),
    row("ceiling: Postgres event + delivery rows", ceilings.postgres),
  ];
}

function ingestRows({ ingest, ceilings }: BenchReport): Row[] {
  return (ingest ?? []).map((step) => ({
    figure: `(a) ingest open-loop at ${rate(step.targetPerSecond)}`,
    ceiling: ceilings ? `publish ${rate(ceilings.publish.perSecond)}` : "",
    hub: `${rate(step.achievedPerSecond)}, ${latency(step.latency)}, ${step.errors} errors${outbox(step.viaOutbox)}${step.isKeepingUp ? "" : ", NOT KEEPING UP"}`,
    ratio: ratio(step.achievedPerSecond, ceilings?.publish.perSecond),
    goal: "≥ 3,000/s, p99 ≤ 100 ms",
  }));
}

function backlogRows({ backlog, ceilings }: BenchReport): Row[] {
  return (backlog ?? []).map((result) => {
    const isFanOut = result.destinations > 1;
    const ceiling = isFanOut ? ceilings?.http.best : ceilings?.passThrough;
    const missing = result.count < result.expected ? `, MISSING ${result.expected - result.count}` : "";
    return {
      figure: `(b) deliveries/s, ${result.destinations} destination(s), ${count(result.events)} events`,
      ceiling: ceiling ? `${isFanOut ? "HTTP POST" : "pass-through"} ${rate(ceiling.perSecond)}` : "",
      hub: `${rate(result.perSecond)}${missing}`,
      ratio: ratio(result.perSecond, ceiling?.perSecond),
      goal: isFanOut ? "≥ 5,000/s" : "≥ 0.40 × pass-through and ≥ 2,000/s",
    };
  });
}

function wholePathRows({ wholePath, ceilings }: BenchReport): Row[] {
  return (wholePath ?? []).map((result) => ({
    figure: `(c) whole path at ${rate(result.targetPerSecond)}, ${result.seconds} s`,
    ceiling: ceilings ? `pass-through ${rate(ceilings.passThrough.perSecond)}` : "",
    hub: wholePathFigures(result),
    ratio: ratio(result.achievedPerSecond, ceilings?.passThrough.perSecond),
    goal: result.targetPerSecond >= 2000 ? "≥ 2,000/s, lost 0" : "p99 ≤ 250 ms, lost 0",
  }));
}

function deadBacklogRows({ deadBacklog, wholePath }: BenchReport): Row[] {
  if (!deadBacklog) return [];
  const without = wholePath?.find((result) => result.targetPerSecond === deadBacklog.healthy.targetPerSecond);
  return [
    {
      figure: `(d) healthy at ${rate(deadBacklog.healthy.targetPerSecond)} beside ${count(deadBacklog.parked)} dead deliveries`,
      ceiling: without ? `without them: ${wholePathFigures(without)}` : "without them: run (c)",
      hub: `${wholePathFigures(deadBacklog.healthy)}; ${count(deadBacklog.stillPending)} dead still pending`,
      ratio: ratio(deadBacklog.healthy.achievedPerSecond, without?.achievedPerSecond),
      goal: "unchanged",
    },
  ];
}

function usageRows({ usage }: BenchReport): Row[] {
  const names = Object.keys(usage.peakRssMiB).sort(
    (a, b) => PROCESS_ORDER.indexOf(a) - PROCESS_ORDER.indexOf(b),
  );
  const rss = names.map((name) => ({
    figure: `(e) peak RSS, ${name}`,
    ceiling: "",
    hub: `${usage.peakRssMiB[name]} MiB`,
    ratio: "",
    goal: SERVICES.includes(name) ? SERVICE_RSS_GOAL : "",
  }));
  const cpu = names.map((name) => ({
    figure: `(e) CPU s per 1,000 (a: events), ${name}`,
    ceiling: "",
    hub: usage.phases
      .map((phase) => `${phase.phase}: ${(phase.cpuSecondsPer1k[name] ?? 0).toFixed(2)}`)
      .join(" · "),
    ratio: "",
    goal: "",
  }));
  return [...rss, ...cpu];
}

function wholePathFigures(result: WholePathResult): string {
  const lost =
    result.lost === null ? `${count(result.notArrived)} still on their way` : `lost ${result.lost}`;
  return `${rate(result.achievedPerSecond)}, ${latency(result.eventToDelivery)}, ${lost}, duplicates ${result.duplicates}, ingest errors ${result.ingestErrors}${outbox(result.viaOutbox)}${result.isKeepingUp ? "" : ", NOT KEEPING UP"}`;
}

function renderTable(rows: Row[]): string {
  const columns: Array<keyof Row> = ["figure", "ceiling", "hub", "ratio", "goal"];
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(columns),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map((row) => line(columns.map((c) => row[c]))),
  ].join("\n");
}

function outbox(viaOutbox: number): string {
  return viaOutbox > 0 ? `, ${count(viaOutbox)} via the outbox (Pub/Sub too slow or failing)` : "";
}

function rate(perSecond: number): string {
  return `${count(perSecond)}/s`;
}

function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function latency(summary: LatencySummary): string {
  return `p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms`;
}

function ratio(hub: number, ceiling: number | undefined): string {
  return ceiling ? (hub / ceiling).toFixed(2) : "";
}
