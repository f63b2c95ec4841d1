import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { findExecutable, isExecutable } from "./find-executable.ts";

/**
 * Where the local Pub/Sub emulator is: the jar of Debian's `google-cloud-cli-pubsub-emulator`
 * package (or any gcloud SDK with the `pubsub-emulator` component), and a `java` to run it.
 * The jar is run directly, never through `gcloud beta emulators pubsub start`, whose wrapper leaves
 * the Java child orphaned when it is killed.
 */

export type Found = { isFound: true; path: string; via: string } | { isFound: false; reason: string };

const JAR_DIR = join("platform", "pubsub-emulator", "lib");
const JAR_PATTERN = /^cloud-pubsub-emulator-.*\.jar$/;

/** `PUBSUB_EMULATOR_JAR`, else the newest `cloud-pubsub-emulator-*.jar` of the gcloud SDK (`gcloud info`). */
export async function findEmulatorJar(env: NodeJS.ProcessEnv = process.env): Promise<Found> {
  const override = env.PUBSUB_EMULATOR_JAR;
  if (override) {
    return existsSync(override)
      ? { isFound: true, path: override, via: "PUBSUB_EMULATOR_JAR" }
      : { isFound: false, reason: `PUBSUB_EMULATOR_JAR=${override} does not exist` };
  }
  const gcloud = findExecutable("gcloud", env);
  if (!gcloud) return { isFound: false, reason: "gcloud is not on PATH" };
  // `gcloud info` costs 1–3 s of Python; the SDK root is usually where the real `gcloud` lives
  // (`<root>/bin/gcloud`), so try there first and ask gcloud only when no jar is found there.
  const besideGcloud = newestJar(dirname(dirname(realpathSync(gcloud))));
  if (besideGcloud) return { isFound: true, path: besideGcloud, via: "the SDK of gcloud on PATH" };
  const sdkRoot = await readGcloudSdkRoot(gcloud, env);
  if (!sdkRoot) return { isFound: false, reason: "`gcloud info` did not name an SDK root" };
  const jar = newestJar(sdkRoot);
  return jar
    ? { isFound: true, path: jar, via: "gcloud info" }
    : { isFound: false, reason: `no Pub/Sub emulator in the gcloud SDK at ${sdkRoot}` };
}

function newestJar(sdkRoot: string): string | undefined {
  const dir = join(sdkRoot, JAR_DIR);
  const jars = existsSync(dir) ? readdirSync(dir).filter((name) => JAR_PATTERN.test(name)) : [];
  const newest = jars.sort((a, b) => b.localeCompare(a, "en", { numeric: true }))[0];
  return newest ? join(dir, newest) : undefined;
}

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH (as the emulator's launcher does). */
export function findJava(env: NodeJS.ProcessEnv = process.env): Found {
  if (env.JAVA_HOME) {
    const path = join(env.JAVA_HOME, "bin", "java");
    return isExecutable(path)
      ? { isFound: true, path, via: "JAVA_HOME" }
      : { isFound: false, reason: `JAVA_HOME=${env.JAVA_HOME} has no bin/java` };
  }
  const path = findExecutable("java", env);
  return path
    ? { isFound: true, path, via: "PATH" }
    : { isFound: false, reason: "no java on PATH and JAVA_HOME is not set" };
}

/** The first line of `java -version` (e.g. `openjdk version "17.0.15" 2025-04-15`). */
export async function readJavaVersion(javaPath: string): Promise<string> {
  const { stdout, stderr } = await run(javaPath, ["-version"]);
  return (stderr || stdout).trim().split("\n")[0]?.trim() ?? "unknown";
}

async function readGcloudSdkRoot(gcloud: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { stdout } = await run(gcloud, ["info", "--format=value(installation.sdk_root)"], env);
  return stdout.trim() || undefined;
}

function run(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 20_000 }, (_error, stdout, stderr) =>
      resolve({ stdout, stderr }),
    );
  });
}
