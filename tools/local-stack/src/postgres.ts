import pg from "pg";
import { detectDockerEngine } from "./docker-engine.ts";
import { findFreePort, LOOPBACK } from "./free-port.ts";

/**
 * A Postgres server for tests and `make up`, from the first source that works:
 * 1. `DATABASE_URL` — taken as the admin URL of a running server (it must answer);
 * 2. `postgres://postgres@127.0.0.1:5432/postgres`, when it answers;
 * 3. testcontainers' `PostgreSqlContainer`, only when a Docker engine answers `docker info`;
 * 4. PGlite (Postgres compiled to WASM) inside this process, served on a loopback port by
 *    `@electric-sql/pglite-socket`.
 *
 * PGlite verdict (pglite 0.5.14, pglite-socket 0.2.17; measured with three `pg` pools against one
 * server, see postgres-pglite.int.test.ts): it CANNOT serve the three services correctly. It is a
 * single Postgres backend; the socket server multiplexes every connection onto that one session
 * and runs one protocol message at a time. Consequences, each observed:
 * - concurrent connections work, but all report the same `pg_backend_pid()` and queries run one by one;
 * - a connection inside a transaction blocks every other connection of every service until it
 *   commits (an idle-in-transaction client stalls the whole hub); `FOR UPDATE SKIP LOCKED` therefore
 *   never skips: a second claimer waits for the first to commit instead of taking other rows;
 * - advisory locks are not exclusive: `pg_try_advisory_lock(42)` succeeds on two connections at once
 *   (same session), so leader election and the migration lock do not exclude anyone;
 * - LISTEN/NOTIFY does not reach the listener: the notification goes to whichever connection is
 *   talking when it is delivered (the notifier itself);
 * - session state leaks (`SET` on one connection is seen by all), and every connection lands in the
 *   one database whatever its URL names, so `createDatabase` cannot isolate anything.
 * It starts in about 4 s and is fine for a single process doing simple queries; for the hub, use a
 * real Postgres (`apt-get install postgresql`, Docker, or DATABASE_URL). The server says so in
 * `limitation` when it is chosen.
 */

export type PostgresSource = "env" | "local" | "testcontainers" | "pglite";

export type PostgresServer = {
  source: PostgresSource;
  /** A URL for administration (the `postgres` database); never printed with its password. */
  adminUrl: string;
  startMs: number;
  /** Set when this server cannot do everything the hub needs (PGlite). */
  limitation?: string;
  /** Creates the database (optionally from a template) and returns its URL. */
  createDatabase(name: string, options?: { template?: string }): Promise<string>;
  /** The database's URL, creating it when missing. */
  ensureDatabase(name: string): Promise<string>;
  /** Drops it `WITH (FORCE)` (ends its connections); no error when it does not exist. */
  dropDatabase(name: string): Promise<void>;
  listDatabases(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
};

export type StartPostgresOptions = {
  env?: NodeJS.ProcessEnv;
  /** PGlite's data directory; in memory when absent. */
  pgliteDataDir?: string;
  /** Only consider these sources (in the fixed order above); all by default. */
  sources?: readonly PostgresSource[];
};

export type PostgresProbe = { isAnswering: true; version: string } | { isAnswering: false; reason: string };

const ALL_SOURCES: readonly PostgresSource[] = ["env", "local", "testcontainers", "pglite"];
export const LOCAL_ADMIN_URL = `postgres://postgres@${LOOPBACK}:5432/postgres`;
const CONTAINER_IMAGE = "postgres:17-alpine";
const PGLITE_LIMITATION =
  "PGlite is a single Postgres session shared by every connection: transactions of one service block " +
  "the others, SKIP LOCKED never skips, advisory locks do not exclude, LISTEN/NOTIFY is not delivered " +
  "and all databases are one. Use it to look around, not to run the hub; install Postgres " +
  "(apt-get install postgresql), run Docker, or set DATABASE_URL.";

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  const sources = options.sources ?? ALL_SOURCES;
  const startedAt = performance.now();
  const elapsed = (): number => Math.round(performance.now() - startedAt);

  if (sources.includes("env") && env.DATABASE_URL) {
    const probe = await probePostgres(env.DATABASE_URL);
    if (!probe.isAnswering)
      throw new Error(`DATABASE_URL (${redactPassword(env.DATABASE_URL)}) does not answer: ${probe.reason}`);
    return serverAt("env", env.DATABASE_URL, elapsed(), async () => undefined);
  }
  if (sources.includes("local") && (await probePostgres(LOCAL_ADMIN_URL)).isAnswering) {
    return serverAt("local", LOCAL_ADMIN_URL, elapsed(), async () => undefined);
  }
  if (sources.includes("testcontainers") && (await detectDockerEngine()).isAnswering) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer(CONTAINER_IMAGE).withDatabase("postgres").start();
    return serverAt(
      "testcontainers",
      container.getConnectionUri(),
      elapsed(),
      async () => void (await container.stop()),
    );
  }
  if (sources.includes("pglite")) return startPglite(options.pgliteDataDir, elapsed);
  throw new Error(
    `No Postgres among ${sources.join(", ")}: set DATABASE_URL or install Postgres (apt-get install postgresql).`,
  );
}

/** Whether `url` accepts a connection and a query within `timeoutMs`. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const result = await client.query<{ version: string }>(
      "SELECT current_setting('server_version') AS version",
    );
    return { isAnswering: true, version: result.rows[0]?.version ?? "unknown" };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { isAnswering: false, reason: code === "ECONNREFUSED" ? "connection refused" : message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same server URL naming another database. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The URL with its password (if any) replaced by `***`, for printing. */
export function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

function serverAt(
  source: PostgresSource,
  adminUrl: string,
  startMs: number,
  stop: () => Promise<void>,
): PostgresServer {
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  const exists = (name: string): Promise<boolean> =>
    admin(
      async (client) =>
        (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1,
    );
  const createDatabase = async (name: string, options: { template?: string } = {}): Promise<string> => {
    const template = options.template ? ` TEMPLATE ${quoteName(options.template)}` : "";
    await admin((client) => client.query(`CREATE DATABASE ${quoteName(name)}${template}`));
    return withDatabase(adminUrl, name);
  };
  return {
    source,
    adminUrl,
    startMs,
    createDatabase,
    ensureDatabase: async (name) =>
      (await exists(name)) ? withDatabase(adminUrl, name) : createDatabase(name),
    dropDatabase: async (name) =>
      void (await admin((client) => client.query(`DROP DATABASE IF EXISTS ${quoteName(name)} WITH (FORCE)`))),
    listDatabases: (prefix) =>
      admin(async (client) => {
        const result = await client.query<{ datname: string }>(
          "SELECT datname FROM pg_database ORDER BY datname",
        );
        return result.rows.map((row) => row.datname).filter((name) => name.startsWith(prefix));
      }),
    stop,
  };
}

/** PGlite has one database, whatever a URL names: every "database" is that one (see the verdict above). */
async function startPglite(dataDir: string | undefined, elapsed: () => number): Promise<PostgresServer> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: LOOPBACK,
    port: await findFreePort(),
    maxConnections: 100,
  });
  await server.start();
  const adminUrl = `postgres://postgres@${server.getServerConn()}/postgres`;
  return {
    source: "pglite",
    adminUrl,
    startMs: elapsed(),
    limitation: PGLITE_LIMITATION,
    createDatabase: async () => adminUrl,
    ensureDatabase: async () => adminUrl,
    dropDatabase: async () => undefined,
    listDatabases: async () => [],
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** A safely quoted identifier; database names here are generated, but never trust a string into SQL. */
function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
