import { startChild, type Child, type ChildOutput } from "./child-process.ts";
import { detectDockerEngine } from "./docker-engine.ts";
import { EMULATOR_MAIN_CLASS, prepareEmulatorPatch } from "./emulator-grpc-patch.ts";
import { findEmulatorJar, findJava } from "./emulator-jar.ts";
import { findFreePort, isPortFree, LOOPBACK } from "./free-port.ts";
import { describeExit, waitForHttp } from "./wait-for-http.ts";

/**
 * A Pub/Sub emulator for tests and `make up`, from the first source that works:
 * 1. `PUBSUB_EMULATOR_HOST` — one already runs; it is used and never stopped here;
 * 2. the local emulator jar (`PUBSUB_EMULATOR_JAR`, else gcloud's), run as
 *    `java -jar <jar> --host=127.0.0.1 --port=<port>` (the flags of the jar's own launcher,
 *    `bin/cloud-pubsub-emulator`), ready when `GET /` answers `Ok`; with a JDK at hand, with the
 *    patch that lets it notice a dead subscriber's streams (`emulator-grpc-patch.ts`);
 * 3. testcontainers' `PubSubEmulatorContainer`, only when a Docker engine answers `docker info`.
 */

export type PubSubSource = "env" | "jar" | "testcontainers";

export type PubSubEmulator = {
  /** `host:port` for PUBSUB_EMULATOR_HOST, e.g. `127.0.0.1:8085`. */
  host: string;
  projectId: string;
  source: PubSubSource;
  /** How long it took until the emulator answered (0 for `env`). */
  startMs: number;
  /** The Java process, for the jar source. */
  child?: Child;
  /** Set when the jar needs the stream-leak patch but runs without it, and why (ordering keys may stall). */
  unpatchedReason?: string;
  stop(): Promise<void>;
};

export type StartPubSubOptions = {
  projectId?: string;
  /** A fixed port (make up: 8085); otherwise a free one. Containers always get a mapped port. */
  port?: number;
  /** Where the emulator's output goes (default: kept in memory for error messages). */
  output?: ChildOutput;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Run the jar without the stream-leak patch (default false): for tests that show the defect. */
  isUnpatched?: boolean;
};

const DEFAULT_PROJECT_ID = "event-hub-local";
/** The image upstream testcontainers pins in its own tests of this module. */
const EMULATOR_IMAGE = "gcr.io/google.com/cloudsdktool/google-cloud-cli:576.0.0-emulators";
const PORT_ATTEMPTS = 3;

export async function startPubSub(options: StartPubSubOptions = {}): Promise<PubSubEmulator> {
  const env = options.env ?? process.env;
  const projectId = options.projectId ?? env.PUBSUB_PROJECT_ID ?? DEFAULT_PROJECT_ID;
  if (env.PUBSUB_EMULATOR_HOST) {
    return {
      host: env.PUBSUB_EMULATOR_HOST,
      projectId,
      source: "env",
      startMs: 0,
      stop: async () => undefined,
    };
  }
  const [jar, java] = [await findEmulatorJar(env), findJava(env)];
  if (jar.isFound && java.isFound) return startJar(java.path, jar.path, projectId, options, env);

  const docker = await detectDockerEngine();
  if (docker.isAnswering) return startContainer(projectId);

  const why = [jar.isFound ? undefined : jar.reason, java.isFound ? undefined : java.reason, docker.reason];
  throw new Error(
    `No Pub/Sub emulator (${why.filter(Boolean).join("; ")}): ` +
      "install one with `sudo apt-get install google-cloud-cli-pubsub-emulator default-jre-headless`, " +
      "point PUBSUB_EMULATOR_JAR at its jar, or set PUBSUB_EMULATOR_HOST=host:port of a running emulator.",
  );
}

async function startJar(
  javaPath: string,
  jarPath: string,
  projectId: string,
  options: StartPubSubOptions,
  env: NodeJS.ProcessEnv,
): Promise<PubSubEmulator> {
  if (options.port !== undefined && !(await isPortFree(options.port))) {
    throw new Error(
      `Port ${options.port} is taken, so the Pub/Sub emulator cannot start there; if an emulator already runs ` +
        `on it, use it with PUBSUB_EMULATOR_HOST=${LOOPBACK}:${options.port}.`,
    );
  }
  const patch = options.isUnpatched
    ? ({ state: "unavailable", reason: "asked to run unpatched" } as const)
    : await prepareEmulatorPatch(jarPath, env);
  const launch =
    patch.state === "applied" ? ["-cp", patch.classPath, EMULATOR_MAIN_CLASS] : ["-jar", jarPath];
  // A free port can be taken between finding and binding it: then the JVM exits and we try another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const startedAt = performance.now();
    const child = await startChild({
      name: "pubsub-emulator",
      command: javaPath,
      args: [...javaOptions(env), ...launch, `--host=${LOOPBACK}`, `--port=${port}`],
      env,
      output: options.output ?? { kind: "quiet" },
    });
    const host = `${LOOPBACK}:${port}`;
    const ready = await waitForHttp({
      url: `http://${host}/`,
      isReady: (status, body) => status === 200 && body.trim() === "Ok",
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      child,
    });
    if (ready.isReady) {
      const startMs = Math.round(performance.now() - startedAt);
      const stop = async (): Promise<void> => void (await child.stop());
      const unpatchedReason = patch.state === "unavailable" ? patch.reason : undefined;
      return { host, projectId, source: "jar", startMs, child, stop, unpatchedReason };
    }
    await child.stop();
    const isPortRace = ready.reason === "exited" && /address already in use/i.test(child.outputTail());
    if (isPortRace && options.port === undefined && attempt < PORT_ATTEMPTS) continue;
    const what =
      ready.reason === "exited" ? describeExit(ready.exit) : `did not answer Ok within ${ready.waitedMs} ms`;
    throw new Error(`The Pub/Sub emulator (${jarPath}) ${what}. Its last output:\n${child.outputTail()}`);
  }
}

/** The warning for an emulator that runs without the stream-leak patch. */
export function describeUnpatched(reason: string): string {
  return (
    `the Pub/Sub emulator runs without its stream-leak patch (${reason}): after a subscriber is killed, ` +
    "ordering keys can stall for up to 30 minutes; install a JDK (e.g. default-jdk-headless) to patch it."
  );
}

/** JVM options, as the emulator's launcher script takes them. */
function javaOptions(env: NodeJS.ProcessEnv): string[] {
  return `${env.JAVA_OPTS ?? ""} ${env.CLOUD_PUBSUB_EMULATOR_OPTS ?? ""}`.split(/\s+/).filter(Boolean);
}

async function startContainer(projectId: string): Promise<PubSubEmulator> {
  const startedAt = performance.now();
  const { PubSubEmulatorContainer } = await import("@testcontainers/gcloud");
  const container = await new PubSubEmulatorContainer(EMULATOR_IMAGE).withProjectId(projectId).start();
  return {
    host: container.getEmulatorEndpoint(),
    projectId,
    source: "testcontainers",
    startMs: Math.round(performance.now() - startedAt),
    stop: async () => void (await container.stop()),
  };
}
