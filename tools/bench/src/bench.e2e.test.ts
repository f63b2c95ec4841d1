import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchReport } from "./bench-report.ts";

// `make bench --quick` with the smallest sizes, as a smoke test of the whole run: it must finish,
// write every section of its JSON and lose nothing. No figure is checked: they measure the machine.
describe("make bench, smoke run", () => {
  const outDir = mkdtempSync(join(tmpdir(), "hub-bench-test-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("writes every section, reconciled with nothing lost", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    await promisify(execFile)(process.execPath, [main, "--quick", "--duration", "1", "--out-dir", outDir], {
      env: process.env,
    });
    const [file] = readdirSync(outDir);
    const report = JSON.parse(readFileSync(join(outDir, file ?? ""), "utf8")) as BenchReport;

    expect(Object.keys(report.ceilings ?? {}).sort()).toStrictEqual([
      "http",
      "passThrough",
      "postgres",
      "publish",
    ]);
    expect(report.ingest?.length).toBeGreaterThan(0);
    expect(report.backlog?.map((result) => result.destinations)).toStrictEqual([1, 10]);
    expect(report.backlog?.map((result) => result.count)).toStrictEqual(
      report.backlog?.map((result) => result.expected),
    );
    // The whole-path ladder stops at a rate the hub does not keep up with: on a busy machine, 100/s.
    expect(report.wholePath?.[0]?.targetPerSecond).toBe(100);
    expect(report.deadBacklog?.parked).toBeGreaterThan(0);
    expect(new Set(report.usage.phases.map((phase) => phase.phase[0]))).toStrictEqual(
      new Set(["a", "b", "c", "d"]),
    );
    expect(Object.keys(report.usage.peakRssMiB)).toEqual(
      expect.arrayContaining([
        "sync-worker",
        "webhook-dispatcher",
        "api-gateway",
        "postgres",
        "load generator",
      ]),
    );
    for (const result of [...(report.wholePath ?? []), report.deadBacklog?.healthy]) {
      expect(result?.accepted).toBeGreaterThan(0);
      expect(result?.lost).toBe(0);
    }
    expect(report.lost).toBe(0);
  }, 120_000);
});
