// `make doctor` (after Node and npm): what this machine offers the local stack, one line each, and
// what tests and `make up` would use. Exits 1 only when `make test` cannot run, saying what to install.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { detectDockerEngine } from "./docker-engine.ts";
import { prepareEmulatorPatch, type EmulatorPatch } from "./emulator-grpc-patch.ts";
import { findEmulatorJar, findJava, readJavaVersion } from "./emulator-jar.ts";
import { LOCAL_ADMIN_URL, probePostgres, redactPassword } from "./postgres.ts";
import { canConnect } from "./tcp-probe.ts";

const [java, jar, docker, localPostgres, envPostgres, rabbitmq] = await Promise.all([
  findJava(),
  findEmulatorJar(),
  detectDockerEngine(),
  probePostgres(LOCAL_ADMIN_URL),
  process.env.DATABASE_URL ? probePostgres(process.env.DATABASE_URL) : undefined,
  canConnect("127.0.0.1", 5672),
]);
const javaVersion = java.isFound ? await readJavaVersion(java.path) : undefined;
const patch = jar.isFound ? await prepareEmulatorPatch(jar.path) : undefined;
const pgliteVersion = readPgliteVersion();
const problems: string[] = [];

print("java", java.isFound ? `${java.path} (${javaVersion}, via ${java.via})` : `not found: ${java.reason}`);
print("emulator jar", jar.isFound ? `${jar.path} (via ${jar.via})` : `not found: ${jar.reason}`);
if (patch) print("emulator patch", describePatch(patch));
print(
  "postgres",
  localPostgres.isAnswering
    ? `127.0.0.1:5432 answers (${localPostgres.version})`
    : `127.0.0.1:5432: ${localPostgres.reason}`,
);
if (process.env.DATABASE_URL && envPostgres) {
  const url = redactPassword(process.env.DATABASE_URL);
  print(
    "DATABASE_URL",
    envPostgres.isAnswering ? `${url} answers (${envPostgres.version})` : `${url}: ${envPostgres.reason}`,
  );
}
print(
  "rabbitmq",
  rabbitmq
    ? "127.0.0.1:5672 reachable"
    : "127.0.0.1:5672 not reachable (AMQP destinations need it: apt-get install rabbitmq-server)",
);
print(
  "docker engine",
  docker.isAnswering ? `answering (server ${docker.serverVersion})` : `not answering: ${docker.reason}`,
);
print(
  "pglite",
  pgliteVersion
    ? `available (${pgliteVersion}); one shared session, cannot run the hub`
    : "not installed (npm ci)",
);
print("pubsub used", choosePubSub());
print("postgres used", choosePostgres());

if (problems.length > 0) {
  console.log(`\nmake test cannot run:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  process.exit(1);
}

function choosePubSub(): string {
  if (process.env.PUBSUB_EMULATOR_HOST) return `PUBSUB_EMULATOR_HOST=${process.env.PUBSUB_EMULATOR_HOST}`;
  if (jar.isFound && java.isFound)
    return "the local emulator jar (tests: a free port; make up: 8085, or MAKE_UP_BASE_PORT + 5)";
  if (docker.isAnswering) return "testcontainers PubSubEmulatorContainer";
  problems.push(
    "a Pub/Sub emulator: sudo apt-get install google-cloud-cli-pubsub-emulator default-jre-headless " +
      "(or set PUBSUB_EMULATOR_JAR and JAVA_HOME, run Docker, or set PUBSUB_EMULATOR_HOST)",
  );
  return "none";
}

function choosePostgres(): string {
  if (process.env.DATABASE_URL) {
    if (envPostgres?.isAnswering) return "the server of DATABASE_URL";
    problems.push("DATABASE_URL is set but does not answer");
    return "none";
  }
  if (localPostgres.isAnswering) return "127.0.0.1:5432 (user postgres)";
  if (docker.isAnswering) return "testcontainers PostgreSqlContainer";
  problems.push(
    "a real Postgres (PGlite cannot serve the services): sudo apt-get install postgresql with trust " +
      "for local connections of user postgres, or set DATABASE_URL, or run Docker",
  );
  return pgliteVersion ? "PGlite (make up only; see the warning it prints)" : "none";
}

function readPgliteVersion(): string | undefined {
  try {
    const entry = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
    const root = entry.slice(0, entry.lastIndexOf("@electric-sql/pglite") + "@electric-sql/pglite".length);
    return `@electric-sql/pglite ${(JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { version: string }).version}`;
  } catch {
    return undefined;
  }
}

function print(label: string, value: string): void {
  console.log(`${`${label}:`.padEnd(16)}${value}`);
}

function describePatch(patch: EmulatorPatch): string {
  if (patch.state === "applied") return "stream-leak patch built; the jar runs with it";
  if (patch.state === "not needed") return `not needed (${patch.reason})`;
  return `NOT applied (${patch.reason}): ordering keys can stall after a subscriber is killed`;
}
