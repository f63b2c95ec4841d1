import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { findExecutable, isExecutable } from "./find-executable.ts";

/**
 * Child processes that never outlive the process that started them:
 * - `stop()` sends SIGTERM, then SIGKILL when the child is still there after `stopTimeoutMs` (5 s);
 * - when this process exits, every child still running gets SIGKILL (the `exit` hook);
 * - on SIGINT/SIGTERM/SIGHUP, when no one else handles the signal, every child is stopped and the
 *   signal is raised again so this process still dies of it; a program that handles the signal
 *   itself (up.ts, vitest) stops its children in its own order;
 * - each child runs in a process group (and session) of its own, so a terminal's Ctrl-C reaches
 *   only this process, which stops its children in its own order: services drain before the
 *   emulator they flush to goes, and no child takes our SIGTERM for an impatient second signal;
 * - on Linux the child is started through `setpriv --pdeathsig TERM` (util-linux; it execs, so the
 *   pid is the child's own): the kernel sends SIGTERM to the child even when this process is killed
 *   with SIGKILL and no hook runs. (The signal follows the spawning *thread*: children started from a
 *   worker thread die with that thread.)
 */

export type ChildOutput =
  /** Each line written to this process's stdout as `[name] line` (make up). */
  | { kind: "prefix" }
  /** Appended to a log file. */
  | { kind: "file"; path: string }
  /** Only kept in memory, for `outputTail()` in error messages (tests). */
  | { kind: "quiet" };

export type StartChildOptions = {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  output?: ChildOutput;
  stopTimeoutMs?: number;
};

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null };

export type Child = {
  readonly name: string;
  readonly pid: number;
  /** Settles once the child has exited (and its output is read). */
  readonly exited: Promise<ChildExit>;
  isRunning(): boolean;
  /** The last lines the child wrote to stdout and stderr. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after the stop timeout; resolves when the child is gone. Idempotent. */
  stop(): Promise<ChildExit>;
  kill(signal: NodeJS.Signals): void;
};

const TAIL_LINES = 60;
const DEFAULT_STOP_TIMEOUT_MS = 5000;
const running = new Set<Child>();
const handledSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let areHooksInstalled = false;

/** Spawns a child; rejects when it cannot be started at all (command not found, not executable). */
export async function startChild(options: StartChildOptions): Promise<Child> {
  installHooks();
  const executable = resolveExecutable(options.command, options.env ?? process.env);
  if (!executable)
    throw new Error(`could not start ${options.name}: ${options.command} is not an executable on PATH`);
  const [command, args] = withParentDeathSignal(executable, options.args);
  const process_ = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: see above
  });
  await new Promise<void>((resolve, reject) => {
    process_.once("spawn", resolve);
    process_.once("error", (error) =>
      reject(new Error(`could not start ${options.name} (${options.command}): ${error.message}`)),
    );
  });
  const child = wrapChild(process_, options);
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

/** Stops every child this process started and that still runs (in parallel). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** SIGKILL to every child still running: the last resort (a second Ctrl-C, process exit). */
export function killAllChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}

function wrapChild(process_: ChildProcess, options: StartChildOptions): Child {
  const pid = process_.pid ?? -1;
  const tail: string[] = [];
  const sink = openSink(options.name, options.output ?? { kind: "quiet" });
  const collect = collectLines((line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    sink.writeLine(line);
  });
  process_.stdout?.on("data", collect);
  process_.stderr?.on("data", collect);

  let exitInfo: ChildExit | undefined;
  let isSettled = false;
  const exited = new Promise<ChildExit>((resolve) => {
    const settle = (): void => {
      if (isSettled) return;
      isSettled = true;
      collect.flush();
      sink.close();
      resolve(exitInfo ?? { code: process_.exitCode, signal: process_.signalCode });
    };
    process_.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      // 'close' follows once stdout/stderr are drained; a grandchild holding them open must not hang us.
      setTimeout(settle, 250).unref();
    });
    process_.once("close", settle);
  });

  let stopping: Promise<ChildExit> | undefined;
  const isRunning = (): boolean =>
    exitInfo === undefined && process_.exitCode === null && process_.signalCode === null;
  const kill = (signal: NodeJS.Signals): void => {
    if (isRunning()) process_.kill(signal);
  };
  const stop = (): Promise<ChildExit> => {
    stopping ??= (async () => {
      if (!isRunning()) return exited;
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
      const result = await exited;
      clearTimeout(timer);
      return result;
    })();
    return stopping;
  };
  return { name: options.name, pid, exited, isRunning, outputTail: () => tail.join("\n"), stop, kill };
}

type LineCollector = ((chunk: Buffer) => void) & { flush(): void };

function collectLines(onLine: (line: string) => void): LineCollector {
  let partial = "";
  const collect = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line.replace(/\r$/, ""));
  };
  return Object.assign(collect, {
    flush: () => {
      if (partial !== "") onLine(partial);
      partial = "";
    },
  });
}

type Sink = { writeLine(line: string): void; close(): void };

function openSink(name: string, output: ChildOutput): Sink {
  switch (output.kind) {
    case "quiet":
      return { writeLine: () => undefined, close: () => undefined };
    case "prefix":
      return { writeLine: (line) => process.stdout.write(`[${name}] ${line}\n`), close: () => undefined };
    case "file": {
      mkdirSync(dirname(output.path), { recursive: true });
      const file: WriteStream = createWriteStream(output.path, { flags: "a" });
      return { writeLine: (line) => file.write(`${line}\n`), close: () => file.end() };
    }
  }
}

function resolveExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!command.includes("/")) return findExecutable(command, env);
  return isExecutable(command) ? command : undefined;
}

/** On Linux with util-linux's setpriv, the kernel signals the child when this process dies. */
function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  const setpriv = process.platform === "linux" ? findExecutable("setpriv") : undefined;
  return setpriv ? [setpriv, ["--pdeathsig", "TERM", "--", command, ...args]] : [command, [...args]];
}

function installHooks(): void {
  if (areHooksInstalled) return;
  areHooksInstalled = true;
  process.on("exit", killAllChildren);
  for (const signal of handledSignals) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return; // the program stops its children itself
      void stopAllChildren().finally(() => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}

/** True while a process with this pid exists (also when it belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
