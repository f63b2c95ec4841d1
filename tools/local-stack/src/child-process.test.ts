import { describe, expect, it } from "vitest";
import { startChild } from "./child-process.ts";

const node = process.execPath;

describe("startChild", () => {
  it("keeps the tail of the child's output and reports its exit", async () => {
    const child = await startChild({
      name: "echo",
      command: node,
      args: ["-e", "console.log('one'); console.error('two'); process.exit(3)"],
    });
    expect(await child.exited).toEqual({ code: 3, signal: null });
    expect(child.outputTail().split("\n").sort()).toEqual(["one", "two"]);
    expect(child.isRunning()).toBe(false);
  });

  it("stops with SIGTERM", async () => {
    const child = await startChild({
      name: "sleeper",
      command: node,
      args: ["-e", "setInterval(() => {}, 1000)"],
    });
    expect(child.isRunning()).toBe(true);
    expect(await child.stop()).toEqual({ code: null, signal: "SIGTERM" });
  });

  it("sends SIGKILL when the child ignores SIGTERM for longer than the stop timeout", async () => {
    const script =
      "process.on('SIGTERM', () => console.log('ignoring')); console.log('ready'); setInterval(() => {}, 1000)";
    const child = await startChild({
      name: "stubborn",
      command: node,
      args: ["-e", script],
      stopTimeoutMs: 300,
    });
    await waitFor(() => child.outputTail().includes("ready"));
    const startedAt = performance.now();
    expect(await child.stop()).toEqual({ code: null, signal: "SIGKILL" });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(child.outputTail()).toContain("ignoring");
  });

  it("refuses a command that does not exist, in one line", async () => {
    await expect(startChild({ name: "missing", command: "no-such-command-here", args: [] })).rejects.toThrow(
      "could not start missing: no-such-command-here is not an executable on PATH",
    );
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
