import type { TestProject } from "vitest/node";
import { isProcessAlive } from "./child-process.ts";
import { provisionEmulator } from "./hub-pubsub.ts";
import { startPostgres, type PostgresServer, type PostgresSource } from "./postgres.ts";
import { describeUnpatched, startPubSub, type PubSubEmulator, type PubSubSource } from "./pubsub-emulator.ts";

/**
 * The `integration` project's globalSetup: one Pub/Sub emulator and one fresh database per run.
 * Tests read them from process.env (PUBSUB_EMULATOR_HOST, PUBSUB_PROJECT_ID, DATABASE_URL,
 * METADATA_SERVER_DETECTION) or with `inject("databaseUrl")` etc. Teardown stops what was started
 * here and drops the database; databases left by runs killed with SIGKILL are dropped at the next start.
 */

declare module "vitest" {
  export interface ProvidedContext {
    pubsubEmulatorHost: string;
    pubsubProjectId: string;
    databaseUrl: string;
    /** Where they came from; tests that need real Postgres concurrency can skip on "pglite". */
    pubsubSource: PubSubSource;
    postgresSource: PostgresSource;
  }
}

const TEST_PROJECT_ID = "hub-test";
const DATABASE_PREFIX = "hub_test_";
const SET_VARIABLES = [
  "PUBSUB_EMULATOR_HOST",
  "PUBSUB_PROJECT_ID",
  "DATABASE_URL",
  "METADATA_SERVER_DETECTION",
] as const;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const saved = Object.fromEntries(SET_VARIABLES.map((name) => [name, process.env[name]]));
  const stops: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
    for (const name of SET_VARIABLES) restoreVariable(name, saved[name]);
  };
  try {
    const [pubsubStart, postgresStart] = await Promise.allSettled([
      startPubSub({ projectId: TEST_PROJECT_ID }),
      startPostgres(),
    ]);
    if (pubsubStart.status === "fulfilled") stops.push(pubsubStart.value.stop);
    if (postgresStart.status === "fulfilled") stops.push(postgresStart.value.stop);
    if (pubsubStart.status === "rejected") throw pubsubStart.reason;
    if (postgresStart.status === "rejected") throw postgresStart.reason;
    const [pubsub, postgres] = [pubsubStart.value, postgresStart.value];
    // The hub's layout under the default names, as make up has it; tests that start services on a
    // topic of their own get theirs from the services (PUBSUB_PROVISION) or create them.
    await provisionEmulator(pubsub, {});
    if (postgres.limitation) console.warn(`integration tests on PGlite: ${postgres.limitation}`);
    if (pubsub.unpatchedReason) console.warn(describeUnpatched(pubsub.unpatchedReason));
    await dropAbandonedDatabases(postgres);
    const database = `${DATABASE_PREFIX}${process.pid}_${Date.now()}`;
    const databaseUrl = await postgres.createDatabase(database);
    // The run's database and every per-file database named after it (test-file-database.ts).
    stops.push(async () => {
      for (const name of await postgres.listDatabases(database)) await postgres.dropDatabase(name);
    });
    expose(project, pubsub, postgres, databaseUrl);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

function expose(
  project: TestProject,
  pubsub: PubSubEmulator,
  postgres: PostgresServer,
  databaseUrl: string,
): void {
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  process.env.PUBSUB_PROJECT_ID = pubsub.projectId;
  process.env.DATABASE_URL = databaseUrl;
  process.env.METADATA_SERVER_DETECTION = "none";
  project.provide("pubsubEmulatorHost", pubsub.host);
  project.provide("pubsubProjectId", pubsub.projectId);
  project.provide("databaseUrl", databaseUrl);
  project.provide("pubsubSource", pubsub.source);
  project.provide("postgresSource", postgres.source);
}

/**
 * Drops `hub_test_<pid>_<time>` databases whose creating process is gone. Only on a server of this
 * machine: a pid means nothing on a server that other machines' runs share.
 */
async function dropAbandonedDatabases(postgres: PostgresServer): Promise<void> {
  if (!isOnThisMachine(postgres.adminUrl)) return;
  for (const name of await postgres.listDatabases(DATABASE_PREFIX)) {
    const pid = Number(name.slice(DATABASE_PREFIX.length).split("_")[0]);
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) await postgres.dropDatabase(name);
  }
}

function isOnThisMachine(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "";
}

function restoreVariable(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
