import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import { expandArgs, type Dockerfile, type Instruction } from "./dockerfile-stages.ts";

/**
 * Builds a Dockerfile's stages into plain folders, without Docker, so a target's real `npm ci` runs
 * and its CMD can be started on this machine. Each stage gets a folder standing for its `/`. What a
 * base image brings (node, npm, bash) comes from this machine instead, so a stage FROM an image
 * starts empty. Ownership, permissions and USER are not emulated.
 */

export type EmulatedStage = {
  /** The folder standing for the stage's `/`. */
  root: string;
  /** WORKDIR, absolute inside the stage. */
  workdir: string;
  /** Every ENV of the stage and the stages it is built FROM. */
  env: Record<string, string>;
  /** The exec-form CMD, if the stage or a parent has one. */
  cmd: string[] | undefined;
};

export type EmulationOptions = {
  dockerfile: Dockerfile;
  /** The build context on this machine. */
  context: string;
  /** Whether a context-relative path is left out by .dockerignore. */
  ignored: (path: string) => boolean;
  /** Where the stage folders go; the caller removes it. */
  scratch: string;
  /** RUN's environment besides the stage's ENV: what the base image would set, such as PATH and HOME. */
  runEnv: Record<string, string>;
};

/** Instructions that change nothing this emulation can check: metadata, or the user files belong to. */
const NOT_EMULATED = new Set(["USER", "EXPOSE", "LABEL"]);

/** Builds stages on demand; each stage once, however many stages are built FROM it or COPY from it. */
export function createDockerfileEmulation(
  options: EmulationOptions,
): (stage: string) => Promise<EmulatedStage> {
  const builds = new Map<string, Promise<EmulatedStage>>();
  const build = (name: string): Promise<EmulatedStage> => {
    let stage = builds.get(name);
    if (!stage) {
      stage = buildStage(name, options, build);
      builds.set(name, stage);
    }
    return stage;
  };
  return build;
}

async function buildStage(
  name: string,
  options: EmulationOptions,
  build: (stage: string) => Promise<EmulatedStage>,
): Promise<EmulatedStage> {
  const { dockerfile } = options;
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  const from = expandArgs(dockerfile, stage.from);
  const root = join(options.scratch, name);
  const parent = dockerfile.stages.some((candidate) => candidate.name === from)
    ? await build(from)
    : undefined;
  // verbatimSymlinks keeps npm's workspace links relative (node_modules/@event-hub/shared ->
  // ../../shared), as Docker copies them, so they resolve inside the stage's own folder.
  if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
  else mkdirSync(root, { recursive: true });
  const state = { root, workdir: parent?.workdir ?? "/", env: { ...parent?.env }, cmd: parent?.cmd };
  for (const instruction of stage.instructions) await apply(instruction, state, options, build);
  return state;
}

async function apply(
  { keyword, args }: Instruction,
  stage: EmulatedStage,
  options: EmulationOptions,
  build: (stage: string) => Promise<EmulatedStage>,
): Promise<void> {
  if (keyword === "WORKDIR") {
    stage.workdir = posix.resolve(stage.workdir, args);
    mkdirSync(join(stage.root, stage.workdir), { recursive: true });
  } else if (keyword === "ENV") {
    Object.assign(stage.env, parseEnv(args));
  } else if (keyword === "COPY") {
    const { flags, paths } = parseCopy(args);
    const destination = paths.at(-1);
    const sources = paths.slice(0, -1);
    if (!destination || sources.length === 0) throw new Error(`COPY without source or destination: ${args}`);
    if (flags.from) {
      const source = await build(flags.from);
      copy(sources, destination, stage, (path) => join(source.root, posix.resolve("/", path)));
    } else {
      copy(sources, destination, stage, (path) => contextPath(path, options), options);
    }
  } else if (keyword === "RUN") {
    // Runs on this machine in the stage's WORKDIR: relative paths stay in the stage's folder (an
    // absolute one would not, which this Dockerfile's RUNs do not use).
    if (args.startsWith("[")) throw new Error(`exec-form RUN not emulated: ${args}`);
    const cwd = join(stage.root, stage.workdir);
    const result = await runProcess(["bash", "-c", args], cwd, { ...options.runEnv, ...stage.env });
    if (result.exitCode !== 0) throw new Error(`RUN ${args} failed (${result.exitCode}):\n${result.output}`);
  } else if (keyword === "CMD") {
    if (!args.startsWith("[")) throw new Error(`shell-form CMD not emulated: ${args}`);
    stage.cmd = JSON.parse(args) as string[];
  } else if (!NOT_EMULATED.has(keyword)) {
    throw new Error(`${keyword} not emulated`);
  }
}

/** `ENV A=1 B="two"`; the legacy `ENV A 1` form is refused. */
function parseEnv(args: string): Record<string, string> {
  const pairs = [...args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S*)\s*/g)];
  if (pairs.map((pair) => pair[0]).join("") !== args) throw new Error(`ENV form not emulated: ${args}`);
  return Object.fromEntries(pairs.map(([, key, value = ""]) => [key, value.replace(/^(["'])(.*)\1$/, "$2")]));
}

function parseCopy(args: string): { flags: Record<string, string>; paths: string[] } {
  if (args.includes("[")) throw new Error(`COPY with a JSON list not emulated: ${args}`);
  const words = args.split(/\s+/);
  const flags = Object.fromEntries(
    words.filter((word) => word.startsWith("--")).map((flag) => flag.slice(2).split("=", 2)),
  ) as Record<string, string>;
  const paths = words.filter((word) => !word.startsWith("--"));
  if (paths.some((path) => /[*?]/.test(path))) throw new Error(`COPY wildcards not emulated: ${args}`);
  return { flags, paths };
}

/** A build-context path on this machine; Docker fails on one missing or left out by .dockerignore. */
function contextPath(path: string, options: EmulationOptions): string {
  const relativePath = posix.relative("/", posix.resolve("/", path));
  const onDisk = join(options.context, relativePath);
  if ((relativePath !== "" && options.ignored(relativePath)) || !existsSync(onDisk)) {
    throw new Error(`COPY ${path}: not in the build context (missing or in .dockerignore)`);
  }
  return onDisk;
}

/**
 * Docker's COPY: a file lands at the destination, or inside it when it ends with `/` or there are
 * several sources; a folder's contents (not the folder) are copied into the destination.
 */
function copy(
  sources: string[],
  destination: string,
  stage: EmulatedStage,
  locate: (path: string) => string,
  context?: EmulationOptions,
): void {
  const target = join(stage.root, posix.resolve(stage.workdir, destination));
  const intoFolder = destination.endsWith("/") || sources.length > 1;
  // Only the build context has a .dockerignore; a stage's files are copied as they are.
  const filter = context
    ? (path: string) => path === context.context || !context.ignored(relative(context.context, path))
    : undefined;
  for (const source of sources) {
    const from = locate(source);
    const isFolder = statSync(from).isDirectory();
    const to = isFolder || !intoFolder ? target : join(target, basename(from));
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, ...(filter ? { filter } : {}) });
  }
}

export type ProcessResult = { exitCode: number | null; signal: string | null; output: string };

/** Runs argv with exactly `env`, stdout and stderr together; `timeoutMs` ends it with SIGTERM. */
function runProcess(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs?: number,
): Promise<ProcessResult> {
  const [command = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal, output }));
  });
}

/** Starts the stage's CMD as its container would, with this machine's node standing in for the image's. */
export function startCmd(
  stage: EmulatedStage,
  imageEnv: Record<string, string>,
  timeoutMs: number,
): Promise<ProcessResult> {
  const [program, ...args] = stage.cmd ?? [];
  if (!program) throw new Error("the stage has no CMD");
  const argv = [program === "node" ? process.execPath : program, ...args];
  return runProcess(argv, join(stage.root, stage.workdir), { ...imageEnv, ...stage.env }, timeoutMs);
}
