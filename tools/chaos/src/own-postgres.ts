import { execFile } from "node:child_process";
import { chownSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { startChild, type Child } from "@event-hub/local-stack/child-process";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { findFreePort, LOOPBACK } from "@event-hub/local-stack/free-port";
import { runAsUser, type OsUser } from "./os-user.ts";
import { makeOwnedTempDir } from "./temp-dirs.ts";

/**
 * A Postgres server of the chaos suite's own, so that a scenario may stop, restart or cut it without
 * touching the machine's server or anyone else's databases: `initdb` into a temporary directory, then
 * the `postgres` binary of the installed server on a free loopback port. The binaries come from
 * `CHAOS_PG_BINDIR`, else `pg_config --bindir`, else PATH. Postgres refuses to run as root, so when
 * this process is root the server runs as the `postgres` OS user (the one the server package creates).
 */

export type OwnPostgres = {
  port: number;
  /** The superuser's URL of database `name` (default `postgres`). */
  urlOf(name?: string): string;
  createDatabase(name: string): Promise<string>;
  /** Ends every session of the hub's services (all but this process's admin session), like a failover. */
  terminateBackends(): Promise<number>;
  /** Fast shutdown (SIGINT: sessions aborted, nothing lost), then waits for the process to end. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same port and data directory; resolves once it answers. */
  startServer(): Promise<void>;
  isRunning(): boolean;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
};

const run = promisify(execFile);
const SUPERUSER = "postgres";
const READY_TIMEOUT_MS = 30_000;

export async function startOwnPostgres(env: NodeJS.ProcessEnv = process.env): Promise<OwnPostgres> {
  const binDir = await findPostgresBinDir(env);
  const user = await serverUser();
  const dataDir = makeOwnedTempDir("hub-chaos-pg-");
  if (user) chownSync(dataDir, user.uid, user.gid);
  await run(...runAsUser(user, join(binDir, "initdb"), initdbArgs(dataDir)));
  const port = await findFreePort();
  const urlOf = (name = "postgres"): string => `postgres://${SUPERUSER}@${LOOPBACK}:${port}/${name}`;

  let server: Child | undefined;
  const startServer = async (): Promise<void> => {
    const [command, args] = runAsUser(user, join(binDir, "postgres"), serverArgs(dataDir, port));
    server = await startChild({ name: "chaos-postgres", command, args, output: { kind: "quiet" } });
    await waitUntilAnswering(urlOf(), server);
  };
  const stopServer = async (): Promise<void> => {
    if (!server?.isRunning()) return;
    server.kill("SIGINT"); // fast shutdown: what a failover or `pg_ctl stop -m fast` does
    await server.exited;
  };
  await startServer();

  return {
    port,
    urlOf,
    createDatabase: async (name) => {
      await withClient(urlOf(), (client) => client.query(`CREATE DATABASE "${name}"`));
      return urlOf(name);
    },
    terminateBackends: () =>
      withClient(urlOf(), async (client) => {
        const { rowCount } = await client.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        return rowCount ?? 0;
      }),
    stopServer,
    startServer,
    isRunning: () => server?.isRunning() ?? false,
    destroy: async () => {
      await stopServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function initdbArgs(dataDir: string): string[] {
  // trust on loopback only: a throw-away server of this process, listening on 127.0.0.1 alone.
  return ["-D", dataDir, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-sync"];
}

function serverArgs(dataDir: string, port: number): string[] {
  return [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    `listen_addresses=${LOOPBACK}`,
    "-c",
    `unix_socket_directories=${dataDir}`,
    "-c",
    "max_connections=200",
    "-c",
    "fsync=off", // a test server: a crash of the machine may lose it, a crash of postgres may not
  ];
}

async function findPostgresBinDir(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.CHAOS_PG_BINDIR) return env.CHAOS_PG_BINDIR;
  const pgConfig = findExecutable("pg_config", env);
  if (pgConfig) return (await run(pgConfig, ["--bindir"])).stdout.trim();
  const initdb = findExecutable("initdb", env);
  if (initdb) return join(initdb, "..");
  throw new Error(
    "The chaos suite starts a Postgres of its own and found no server binaries: install the Postgres " +
      "server (apt-get install postgresql) or set CHAOS_PG_BINDIR to the directory holding initdb and postgres.",
  );
}

/** The OS user the server runs as: `postgres` when this process is root, else this process's user. */
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string): Promise<number> =>
    Number((await run("id", [flag, SUPERUSER])).stdout.trim());
  try {
    return { name: SUPERUSER, uid: await id("-u"), gid: await id("-g") };
  } catch {
    throw new Error(
      "Postgres does not run as root, and there is no `postgres` OS user to run it as; run as another user.",
    );
  }
}

async function waitUntilAnswering(url: string, server: Child): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!server.isRunning())
      throw new Error(`the chaos suite's Postgres exited at start:\n${server.outputTail()}`);
    try {
      await withClient(url, (client) => client.query("SELECT 1"));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the chaos suite's Postgres did not answer: ${(error as Error).message}`, {
          cause: error,
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "chaos-suite" });
  client.on("error", () => undefined); // a session ended by a fault the suite injected itself
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
