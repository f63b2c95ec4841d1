// `make up`: the whole hub on this machine. Pub/Sub emulator (port 8085), Postgres database
// `event_hub` (kept between runs; DATABASE_URL names another), migrations, the three services,
// simulated Connectors, then a list of URLs. Ports move with MAKE_UP_BASE_PORT (up-ports.ts).
// A service or the emulator that dies is restarted with backoff, like Kubernetes would (supervisor.ts).
// Ctrl-C or SIGTERM stops everything in reverse order; a second Ctrl-C kills what is left at once.
import { join, relative } from "node:path";
import { killAllChildren, startChild, stopAllChildren, type Child } from "./child-process.ts";
import { startConnectorSims } from "./connector-sims.ts";
import { loadLocalSecrets } from "./local-secrets.ts";
import { redactPassword, startPostgres } from "./postgres.ts";
import { provisionEmulator } from "./hub-pubsub.ts";
import {
  describeUnpatched,
  startPubSub,
  type PubSubEmulator,
  type StartPubSubOptions,
} from "./pubsub-emulator.ts";
import {
  LOCAL_SSRF_ALLOW,
  REPO_ROOT,
  startServices,
  type RunningServices,
  type StackEnv,
} from "./services.ts";
import { superviseEmulator, superviseServices } from "./stack-supervision.ts";
import { readRestartPolicy } from "./supervisor.ts";
import { readUpPorts } from "./up-ports.ts";
import { describeExit } from "./wait-for-http.ts";

const DATABASE_NAME = "event_hub";
const LOCAL_DIR = join(REPO_ROOT, ".local");
const LOG_DIR = join(LOCAL_DIR, "logs");
const MIGRATE_CLI = join("shared", "src", "db", "migrate-cli.ts");

type Stoppable = { name: string; stop: () => Promise<void> };
const started: Stoppable[] = [];
/** Stopped first on shutdown, so that nothing is restarted while everything stops. */
const supervisors: Array<{ stop: () => Promise<void> }> = [];
let isStopping = false;
/** Something failed to start or did not stop cleanly: make up exits 1, not 0. (A crash is restarted.) */
let hasFailed = false;

process.on("SIGINT", () => void shutDown(130));
process.on("SIGTERM", () => void shutDown(143));

try {
  await up();
} catch (error) {
  console.error(`\nmake up failed: ${(error as Error).message}`);
  hasFailed = true;
  await shutDown(1);
}

async function up(): Promise<void> {
  const ports = readUpPorts();
  const restartPolicy = readRestartPolicy();
  const emulatorOptions: StartPubSubOptions = {
    port: ports.emulator,
    output: { kind: "file", path: join(LOG_DIR, "pubsub-emulator.log") },
  };
  const pubsub = await startPubSub(emulatorOptions);
  let currentEmulator = (): PubSubEmulator => pubsub; // a restart replaces it
  started.push({ name: "Pub/Sub emulator", stop: () => currentEmulator().stop() });
  console.log(
    `Pub/Sub emulator: ${pubsub.host} (${describeSource(pubsub.source)}, ready in ${pubsub.startMs} ms)`,
  );
  if (pubsub.unpatchedReason) console.log(`\n*** WARNING: ${describeUnpatched(pubsub.unpatchedReason)}\n`);

  // Before any service starts: nothing may publish into a topic the dispatcher's subscription is not on.
  console.log(`Pub/Sub: ${await provisionEmulator(pubsub)}`);

  const database = await openDatabase();
  await migrate(database.url);

  const env: StackEnv = {
    DATABASE_URL: database.url,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    PUBSUB_PROJECT_ID: pubsub.projectId,
    ...readSecrets(),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  };
  console.log("starting sync-worker, webhook-dispatcher and api-gateway ...");
  console.log(
    `SSRF_ALLOW=${LOCAL_SSRF_ALLOW} for every service: loopback receivers and Connectors are allowed because this is a local stack.`,
  );
  const services = await startServices({ env, ports: ports.services });
  started.push({ name: "services", stop: services.stop });
  for (const child of Object.values(services.children())) reportExitWhileStopping(child);
  const supervision = { policy: restartPolicy, log: console.log, onNewChild: reportExitWhileStopping };
  const serviceSupervision = superviseServices(services, supervision);
  supervisors.push(serviceSupervision);
  if (pubsub.child) {
    const emulator = superviseEmulator(
      pubsub,
      () => startPubSub(emulatorOptions),
      async (restarted) => console.log(`Pub/Sub: ${await provisionEmulator(restarted)}`),
      supervision,
    );
    currentEmulator = emulator.current;
    supervisors.push(emulator);
  }

  const sims = await startConnectorSims({ env, services, logDir: LOG_DIR, basePort: ports.connectorSims });
  started.push({ name: "simulated Connectors", stop: sims.stop });

  const simLines = sims.endpoints.map(({ label, url }) => [label, url] as const);
  printSummary(services, env, pubsub.host, database, simLines);
}

async function openDatabase(): Promise<{ url: string; description: string; limitation?: string }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, description: "from DATABASE_URL" };
  const server = await startPostgres({
    sources: ["local", "testcontainers", "pglite"],
    pgliteDataDir: join(LOCAL_DIR, "pglite"),
  });
  started.push({ name: "Postgres", stop: server.stop });
  if (server.limitation) console.log(`\n*** WARNING: Postgres is PGlite. ${server.limitation}\n`);
  const url = await server.ensureDatabase(DATABASE_NAME);
  return { url, description: `${describeSource(server.source)} server`, limitation: server.limitation };
}

async function migrate(databaseUrl: string): Promise<void> {
  const child = await startChild({
    name: "migrate",
    command: process.execPath,
    args: [MIGRATE_CLI],
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    output: { kind: "prefix" },
  });
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`migrations (node ${MIGRATE_CLI}) ${describeExit(exit)}`);
}

function readSecrets(): Pick<StackEnv, "SECRETS_KEY" | "ADMIN_API_KEY"> {
  const { SECRETS_KEY, ADMIN_API_KEY } = process.env;
  // Both given (as the test of make up does): the developer's secrets file is neither read nor made.
  if (SECRETS_KEY && ADMIN_API_KEY) return { SECRETS_KEY, ADMIN_API_KEY };
  const path = join(LOCAL_DIR, "secrets.env");
  const { secrets, isNew } = loadLocalSecrets(path);
  if (isNew) console.log(`generated SECRETS_KEY and ADMIN_API_KEY in ${relative(process.cwd(), path)}`);
  return {
    SECRETS_KEY: process.env.SECRETS_KEY ?? secrets.SECRETS_KEY,
    ADMIN_API_KEY: process.env.ADMIN_API_KEY ?? secrets.ADMIN_API_KEY,
  };
}

/** While stopping, each service's exit is reported (code 0 = drained cleanly); a crash before is the supervisor's. */
function reportExitWhileStopping(child: Child): void {
  void child.exited.then((exit) => {
    if (!isStopping) return;
    console.log(`${child.name} ${describeExit(exit)}`);
    if (exit.code !== 0) hasFailed = true;
  });
}

function printSummary(
  services: RunningServices,
  env: StackEnv,
  emulatorHost: string,
  database: { url: string; description: string },
  extraLines: ReadonlyArray<readonly [string, string]>,
): void {
  const { apiGateway, syncWorker, webhookDispatcher } = services.urls;
  const lines: Array<readonly [string, string]> = [
    ["API", apiGateway],
    ["API docs", `${apiGateway}/docs`],
    ["admin API key", `${env.ADMIN_API_KEY}  (${describeAdminKeySource()})`],
    ...[
      ["api-gateway", apiGateway],
      ["sync-worker", syncWorker],
      ["webhook-dispatcher", webhookDispatcher],
    ].map(([name, url]) => [name ?? "", `${url}/health  ${url}/metrics`] as const),
    ["Pub/Sub emulator", `PUBSUB_EMULATOR_HOST=${emulatorHost}  PUBSUB_PROJECT_ID=${env.PUBSUB_PROJECT_ID}`],
    ["Postgres", `${redactPassword(database.url)}  (${database.description})`],
    ...extraLines,
    [
      "logs",
      `services: above, prefixed; emulator: ${relative(process.cwd(), join(LOG_DIR, "pubsub-emulator.log"))}`,
    ],
  ];
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  console.log(`\nConnector Event Hub is running. Ctrl-C stops everything.\n`);
  for (const [label, value] of lines) console.log(`  ${label.padEnd(width)}${value}`);
  console.log("");
}

/** Stops in reverse order of start; exits 0 when everything stopped cleanly, else 1. */
async function shutDown(exitCodeIfKilled: number): Promise<void> {
  if (isStopping) {
    console.log("\nkilling what is left");
    killAllChildren();
    process.exit(exitCodeIfKilled);
  }
  isStopping = true;
  if (started.length > 0) console.log("\nstopping ...");
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  for (const { name, stop } of started.reverse()) {
    await stop().then(
      () => console.log(`stopped ${name}`),
      (error: unknown) => {
        hasFailed = true;
        console.error(`stopping ${name} failed: ${(error as Error).message}`);
      },
    );
  }
  await stopAllChildren(); // anything still starting when the signal came
  process.exit(hasFailed ? 1 : 0);
}

function describeAdminKeySource(): string {
  return process.env.ADMIN_API_KEY ? "from ADMIN_API_KEY" : "kept in .local/secrets.env";
}

function describeSource(source: string): string {
  const names: Record<string, string> = {
    env: "from the environment",
    jar: "local emulator jar",
    local: "local",
    testcontainers: "testcontainers",
    pglite: "PGlite",
  };
  return names[source] ?? source;
}
