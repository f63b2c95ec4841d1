import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isProcessAlive, startChild } from "./child-process.ts";

const node = process.execPath;
const sleeperArgs = ["-e", "setInterval(() => {}, 1000)"];

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

  it.runIf(process.platform === "linux")(
    "runs the child in a process group of its own, so a terminal's Ctrl-C reaches only its parent",
    async () => {
      const child = await startChild({ name: "sleeper", command: node, args: sleeperArgs });
      try {
        expect(readProcessGroup(child.pid)).toBe(child.pid);
        expect(readProcessGroup(process.pid)).not.toBe(child.pid);
      } finally {
        await child.stop();
      }
    },
  );

  it.runIf(process.platform === "linux")(
    "ends the child when its parent is killed with SIGKILL",
    async () => {
      const script = [
        `import { startChild } from ${JSON.stringify(new URL("./child-process.ts", import.meta.url).href)};`,
        `const child = await startChild({ name: "sleeper", command: process.execPath, args: ${JSON.stringify(sleeperArgs)} });`,
        "console.log(child.pid);",
        "setInterval(() => {}, 1000);",
      ].join("\n");
      const parent = spawn(node, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const childPid = await new Promise<number>((resolve) =>
        parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(isProcessAlive(childPid)).toBe(true);
      parent.kill("SIGKILL");
      await waitFor(() => !isProcessAlive(childPid));
    },
  );

  it("refuses a command that does not exist, in one line", async () => {
    await expect(startChild({ name: "missing", command: "no-such-command-here", args: [] })).rejects.toThrow(
      "could not start missing: no-such-command-here is not an executable on PATH",
    );
  });
});

/** The process group of `pid` (Linux: the fifth field of /proc/<pid>/stat). */
function readProcessGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
