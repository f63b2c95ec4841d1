import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, inject, it, vi } from "vitest";
import { isProcessAlive } from "./child-process.ts";
import { isPortFree } from "./free-port.ts";
import { REPO_ROOT, SERVICE_NAMES } from "./services.ts";
import { uniqueName } from "./test-names.ts";
import { PORTS_ABOVE_BASE, readUpPorts } from "./up-ports.ts";

/**
 * `make up` as a developer runs it: up.ts in a process group of its own (a terminal's foreground
 * job), on ports moved by MAKE_UP_BASE_PORT so it runs beside a developer's own stack, then Ctrl-C
 * (SIGINT to the whole group). Its database is this test file's throwaway one (DATABASE_URL; up.ts
 * creates none then, and the setup file drops it); its emulator is its own when the run's came from
 * the jar, so that the Java process's end is checked too.
 */

const UP_SCRIPT = join("tools", "local-stack", "src", "up.ts");
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 60_000;
const RESTART_TIMEOUT_MS = 60_000;
const isOwnEmulator = inject("pubsubSource") === "jar";

describe("make up (tools/local-stack/src/up.ts)", () => {
  it(
    "starts everything, every printed URL answers, and Ctrl-C stops it all gracefully",
    async () => {
      const basePort = await findFreeBasePort();
      const ports = readUpPorts({ MAKE_UP_BASE_PORT: String(basePort) });
      const up = startUp(basePort);
      try {
        const summary = await up.summary;

        const healthUrls = summary.flatMap(([, value]) => value.match(/http:\S+\/health\b/g) ?? []);
        expect(healthUrls.sort()).toEqual(
          Object.values(ports.services)
            .map((port) => `http://127.0.0.1:${port}/health`)
            .sort(),
        );
        const simUrls = summary.filter(([label]) => label.startsWith("Connector "));
        expect(simUrls.map(([, value]) => new URL(value.split(" ")[0] ?? "").port)).toEqual(
          [ports.connectorSims, ports.connectorSims + 1].map(String),
        );
        for (const url of healthUrls) expect(await statusOf(url), url).toBe(200);
        for (const [, value] of simUrls) expect(await statusOf(new URL("/health", value).href)).toBe(200);
        const emulatorHost = /PUBSUB_EMULATOR_HOST=(\S+)/.exec(findValue(summary, "Pub/Sub emulator"))?.[1];
        expect((await (await fetch(`http://${emulatorHost}/`)).text()).trim()).toBe("Ok");

        const children = listChildren(up.pid);
        const commandLines = children.map(({ commandLine }) => commandLine).join("\n");
        for (const name of SERVICE_NAMES) expect(commandLines).toContain(`services/${name}/src/main.ts`);
        expect(commandLines).toContain("tools/connector-sim/src/main.ts");
        if (isOwnEmulator) expect(commandLines).toMatch(/java .*cloud-pubsub-emulator/);

        process.kill(-up.pid, "SIGINT"); // what a terminal's Ctrl-C does
        expect(await up.exited, up.output()).toEqual({ code: 0, signal: null });
        // Only up.ts got the Ctrl-C; it stopped the rest one by one, the emulator after the services.
        const stopLines = up
          .output()
          .split("\n")
          .filter((line) => /^(stopped |\S+ exited with )/.test(line));
        expect(stopLines).toEqual([
          "stopped simulated Connectors",
          "api-gateway exited with code 0",
          "webhook-dispatcher exited with code 0",
          "sync-worker exited with code 0",
          "stopped services",
          "stopped Pub/Sub emulator",
        ]);
        const shutdownReasons = [...up.output().matchAll(/"reason":"(\w+)".*"message":"shutting down"/g)];
        expect(shutdownReasons.map((match) => match[1])).toEqual(["SIGTERM", "SIGTERM", "SIGTERM"]);
        expect(children.filter(({ pid }) => isProcessAlive(pid))).toEqual([]);
        const fixedPorts = [...Object.values(ports.services), ports.connectorSims, ports.connectorSims + 1];
        if (isOwnEmulator) fixedPorts.push(ports.emulator);
        for (const port of fixedPorts) expect(await isPortFree(port), `port ${port}`).toBe(true);
        // Connections close as the processes end; the server notices a moment later.
        await vi.waitFor(async () => expect(await countOtherConnections()).toBe(0), { timeout: 10_000 });
      } finally {
        up.forceStop();
      }
    },
    START_TIMEOUT_MS + STOP_TIMEOUT_MS,
  );

  it(
    "restarts a service that was SIGKILLed, and the emulator (then provisions it), with a line for each",
    async () => {
      const basePort = await findFreeBasePort();
      const ports = readUpPorts({ MAKE_UP_BASE_PORT: String(basePort) });
      const up = startUp(basePort, { MAKE_UP_RESTART_DELAY_MS: "300", MAKE_UP_RESTART_MAX_DELAY_MS: "2000" });
      try {
        await up.summary;
        const syncWorkerHealth = `http://127.0.0.1:${ports.services["sync-worker"]}/health`;
        process.kill(findChild(up.pid, "services/sync-worker/src/main.ts"), "SIGKILL");
        await vi.waitFor(() => expect(up.output()).toContain("sync-worker restarted and ready"), {
          timeout: RESTART_TIMEOUT_MS,
        });
        expect(up.output()).toMatch(
          /\nsync-worker was killed by SIGKILL after [\d.]+ s; restarting it in 0\.3 s \(restart 1 in a row\)\n/,
        );
        expect(await statusOf(syncWorkerHealth)).toBe(200);

        if (isOwnEmulator) {
          process.kill(findChild(up.pid, "cloud-pubsub-emulator"), "SIGKILL");
          await vi.waitFor(() => expect(up.output()).toContain("Pub/Sub emulator restarted and ready"), {
            timeout: RESTART_TIMEOUT_MS,
          });
          expect(up.output()).toMatch(/\nPub\/Sub emulator was killed by SIGKILL after .*restarting it in/);
          // Provisioned again; the services were not restarted: they heal (their /ready turns 200).
          expect(up.output()).toContain("provisioning them again (the services reopen their subscriptions");
          const afterBack = up.output().split("provisioning them again")[1] ?? "";
          expect(afterBack).not.toMatch(
            /^(webhook-dispatcher|sync-worker|api-gateway) restarted and ready$/m,
          );
          for (const port of Object.values(ports.services)) {
            await vi.waitFor(
              async () => expect(await statusOf(`http://127.0.0.1:${port}/ready`), `port ${port}`).toBe(200),
              { timeout: RESTART_TIMEOUT_MS },
            );
          }
          const emulator = await fetch(`http://127.0.0.1:${ports.emulator}/`);
          expect((await emulator.text()).trim()).toBe("Ok");
        }
        for (const port of Object.values(ports.services)) {
          expect(await statusOf(`http://127.0.0.1:${port}/health`), `port ${port}`).toBe(200);
        }

        const children = listChildren(up.pid);
        process.kill(-up.pid, "SIGINT");
        expect(await up.exited, up.output()).toEqual({ code: 0, signal: null });
        expect(children.filter(({ pid }) => isProcessAlive(pid))).toEqual([]);
        for (const port of [...Object.values(ports.services), ports.emulator]) {
          expect(await isPortFree(port), `port ${port}`).toBe(true);
        }
      } finally {
        up.forceStop();
      }
    },
    START_TIMEOUT_MS + 2 * RESTART_TIMEOUT_MS + STOP_TIMEOUT_MS,
  );
});

type RunningUp = {
  pid: number;
  /** The printed list of URLs, as [label, value] pairs, once up.ts printed it. */
  summary: Promise<Array<[string, string]>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** After a failure: the group gets SIGKILL (the children follow through their parent-death signal). */
  forceStop(): void;
};

function startUp(basePort: number, extraEnv: NodeJS.ProcessEnv = {}): RunningUp {
  const env: NodeJS.ProcessEnv = {
    ...withoutVitestVariables(process.env),
    ...extraEnv,
    MAKE_UP_BASE_PORT: String(basePort),
    SECRETS_KEY: randomBytes(32).toString("base64"),
    ADMIN_API_KEY: `admin-${randomBytes(24).toString("base64url")}`,
    PUBSUB_TOPIC: uniqueName("make-up-events"),
    PUBSUB_SUBSCRIPTION: uniqueName("make-up-dispatcher"),
  };
  if (isOwnEmulator) delete env.PUBSUB_EMULATOR_HOST;
  const child = spawn(process.execPath, [UP_SCRIPT], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid ?? -1;
  return {
    pid,
    summary: waitForSummary(child, () => output),
    exited: withTimeout(exited, STOP_TIMEOUT_MS + START_TIMEOUT_MS, () => output),
    output: () => output,
    forceStop: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, "SIGKILL");
    },
  };
}

/** Resolves with the list below "Connector Event Hub is running", up to the blank line ending it. */
function waitForSummary(child: ChildProcess, output: () => string): Promise<Array<[string, string]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`make up printed no URLs within ${START_TIMEOUT_MS} ms:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    const onExit = (): void => {
      clearTimeout(timer);
      reject(new Error(`make up exited before printing its URLs:\n${output()}`));
    };
    child.once("exit", onExit);
    child.stdout?.on("data", () => {
      const lines = output().split("\n").slice(0, -1); // complete lines only
      const header = lines.findIndex((line) => line.startsWith("Connector Event Hub is running"));
      const end = lines.indexOf("", header + 2);
      if (header < 0 || end < 0) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      const entries = lines.slice(header + 2, end).map((line) => /^ {2}(\S.*?) {2,}(.*)$/.exec(line));
      resolve(entries.map((match) => [match?.[1] ?? "", match?.[2] ?? ""]));
    });
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, output: () => string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`make up still runs:\n${output()}`)), timeoutMs).unref(),
    ),
  ]);
}

function findValue(summary: Array<[string, string]>, label: string): string {
  return summary.find(([name]) => name === label)?.[1] ?? "";
}

async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

/** A base port whose make-up ports are all free, below Linux's ephemeral range (32768+). */
async function findFreeBasePort(): Promise<number> {
  const offsets = [0, 1, 2, 5, 10, PORTS_ABOVE_BASE];
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(offsets.map((offset) => isPortFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no free base port for make up");
}

/** The processes whose parent is `pid` (Linux /proc), with their command lines. */
function listChildren(pid: number): Array<{ pid: number; commandLine: string }> {
  const children: Array<{ pid: number; commandLine: string }> = [];
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parentPid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parentPid !== pid) continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      children.push({ pid: Number(entry), commandLine });
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** The pid of up.ts's child whose command line contains `part`. */
function findChild(upPid: number, part: string): number {
  const child = listChildren(upPid).find(({ commandLine }) => commandLine.includes(part));
  if (!child) throw new Error(`make up runs no ${part}`);
  return child.pid;
}

/** Connections to this test file's database other than the one asking. */
async function countOtherConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return Number(result.rows[0]?.count);
  } finally {
    await client.end();
  }
}

function withoutVitestVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => !name.startsWith("VITEST") && name !== "NODE_ENV" && name !== "TEST",
    ),
  );
}
