import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findExecutable, isExecutable } from "./find-executable.ts";

/**
 * The Pub/Sub emulator jar bundles a gRPC whose server calls a method its own `io.grpc.InternalStatus`
 * lacks, so a StreamingPull whose subscriber died is never unregistered and the ordering keys that
 * hash onto it stall (see `emulator-patch/io/grpc/InternalStatus.java` and the dispatcher's README,
 * "A Connector that stops after a SIGKILL"). This compiles that class with the missing method, once
 * per jar, and puts it before the jar on the class path. It needs a JDK (javac, javap); without one,
 * or when the jar's gRPC is consistent, the emulator runs as shipped.
 */

export const EMULATOR_MAIN_CLASS = "com.google.cloud.pubsub.testing.v1.Main";

/** `unavailable`: the jar needs the patch (or may) but it could not be built; ordering keys may stall. */
export type EmulatorPatch =
  { state: "applied"; classPath: string } | { state: "not needed" | "unavailable"; reason: string };

const PATCH_SOURCE = join(import.meta.dirname, "..", "emulator-patch", "io", "grpc", "InternalStatus.java");
const PATCHED_CLASS = join("io", "grpc", "InternalStatus.class");
const LISTENER_CLASS = "io.grpc.internal.ServerImpl$JumpToApplicationThreadServerStreamListener";
const CALLED = "Method io/grpc/InternalStatus.asRuntimeException:(Lio/grpc/Status;Lio/grpc/Metadata;Z)";
const DECLARED = "asRuntimeException(io.grpc.Status, io.grpc.Metadata, boolean)";

/** The class path to run the emulator with the patch, or why it runs without. */
export async function prepareEmulatorPatch(
  jarPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EmulatorPatch> {
  const dir = join(tmpdir(), "event-hub-emulator-patch", patchKey(jarPath));
  const applied = { state: "applied", classPath: `${dir}${delimiter}${jarPath}` } as const;
  if (existsSync(join(dir, PATCHED_CLASS))) return applied;
  const [javac, javap] = [findJdkTool("javac", env), findJdkTool("javap", env)];
  if (!javac || !javap) {
    return { state: "unavailable", reason: "no JDK (javac and javap on PATH or in JAVA_HOME) to build it" };
  }
  const needed = await checkPatchNeeded(javap, jarPath);
  if (needed.state !== "needed") return needed;
  const built = await compilePatch(javac, jarPath, dir);
  return built === true ? applied : { state: "unavailable", reason: built };
}

/** Needed when the jar's gRPC server calls the method its InternalStatus lacks. */
async function checkPatchNeeded(
  javap: string,
  jarPath: string,
): Promise<{ state: "needed" } | EmulatorPatch> {
  const listing = await run(javap, ["-p", "-c", "-cp", jarPath, "io.grpc.InternalStatus", LISTENER_CLASS]);
  if (!listing.ok) {
    return { state: "unavailable", reason: `javap could not read the jar: ${firstLine(listing.output)}` };
  }
  if (listing.output.includes(DECLARED)) return { state: "not needed", reason: "its gRPC has the method" };
  if (!listing.output.includes(CALLED))
    return { state: "not needed", reason: "its gRPC does not call the method" };
  return { state: "needed" };
}

/** Compiles into a fresh directory and renames it into place, so concurrent starts never see half a build. */
async function compilePatch(javac: string, jarPath: string, dir: string): Promise<true | string> {
  const parent = join(dir, "..");
  mkdirSync(parent, { recursive: true });
  const work = mkdtempSync(join(parent, "build-"));
  const compiled = await run(javac, ["--release", "11", "-nowarn", "-cp", jarPath, "-d", work, PATCH_SOURCE]);
  if (!compiled.ok) {
    rmSync(work, { recursive: true, force: true });
    return `javac failed: ${firstLine(compiled.output)}`;
  }
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another start put the same build there first
  }
  return existsSync(join(dir, PATCHED_CLASS)) ? true : "the compiled patch went missing";
}

/** Changes with the patch source and the jar, so an upgraded emulator is checked again. */
function patchKey(jarPath: string): string {
  const jar = statSync(jarPath);
  return createHash("sha256")
    .update(readFileSync(PATCH_SOURCE))
    .update(`${jarPath}\0${jar.size}\0${jar.mtimeMs}`)
    .digest("hex")
    .slice(0, 16);
}

function findJdkTool(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.JAVA_HOME) {
    const path = join(env.JAVA_HOME, "bin", name);
    if (isExecutable(path)) return path;
  }
  return findExecutable(name, env);
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${stdout}${stderr}` }),
    );
  });
}
