import pg from "pg";
import type { Pool, PoolClient, QueryConfig } from "pg";

/** What the pool needs of a logger; a pino logger fits. */
export type PoolLogger = {
  error: (details: object, message: string) => void;
};

export type PoolOptions = {
  connectionString: string;
  max: number;
  /** Shown in pg_stat_activity, e.g. the service name. */
  applicationName: string;
  /** An idle client's connection failing (Postgres restarted, network cut) is logged here, not thrown. */
  logger: PoolLogger;
  /** How long a query waits for a connection before failing. Default 5000. */
  connectionTimeoutMs?: number;
};

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  // Without a listener, an error on an idle client is an unhandled 'error' event and kills the process.
  pool.on("error", (error) => {
    // pg-pool hangs the client on the error; logged, it dumps the client's state and cancel key.
    delete (error as Error & { client?: unknown }).client;
    options.logger.error({ err: error }, "idle Postgres client failed; the pool replaces it");
  });
  guardCheckedOutClients(pool, options.logger);
  return pool;
}

/**
 * pg-pool listens for a client's 'error' only while the client is idle. A checked-out client whose
 * backend dies (pg_terminate_backend, a failover, Postgres restarting) emits 'error' with no listener
 * between two of its queries, and that unhandled event kills the process. This listens for the
 * whole checkout, for every caller; the failed client is not queryable any more, so its next query
 * rejects, and the pool discards it on release.
 */
function guardCheckedOutClients(pool: Pool, logger: PoolLogger): void {
  const onError = (error: Error) => {
    logger.error({ err: error }, "checked-out Postgres client failed; the pool discards it");
  };
  pool.on("acquire", (client) => client.on("error", onError));
  pool.on("release", (_error, client) => client.removeListener("error", onError));
}

/** Runs `fn` inside BEGIN/COMMIT on one client; ROLLBACK and rethrow if it throws. Always releases. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // Also for a pool not made by createPool: a lost connection rejects here, it does not crash.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      // The connection is unusable; make the pool discard it instead of handing it out again.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}

/** Readiness probe: true when `SELECT 1` answers within `timeoutMs`. Never throws. */
export async function checkDatabase(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  // pg honours a per-query read timeout (missing from @types/pg): a timed-out probe's connection is
  // discarded, so probes against a hung server do not pile up in the pool.
  const query: QueryConfig & { query_timeout: number } = { text: "SELECT 1", query_timeout: timeoutMs };
  const probe = pool.query(query).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function parseConnectionUrl(connectionString: string): URL | undefined {
  try {
    return new URL(connectionString);
  } catch {
    // `postgres://user:pw@/db?host=/socket/dir` (Unix socket, e.g. Cloud SQL) has an empty host, which
    // WHATWG URL rejects when credentials are present; the host query parameter names the socket.
    try {
      return new URL(connectionString.replace(/^([a-z]+:\/\/[^/@]*@)\//i, "$1localhost/"));
    } catch {
      return undefined;
    }
  }
}

/** `host:port/database` of a connection string, never its user or password. */
export function describeDatabaseAddress(connectionString: string): string {
  const url = parseConnectionUrl(connectionString);
  if (!url) return "(unparseable DATABASE_URL)";
  const host = url.searchParams.get("host") || url.hostname || "localhost";
  const port = url.port || url.searchParams.get("port") || "5432";
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || decodeURIComponent(url.username);
  return `${host}:${port}/${database}`;
}

function describeCause(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { code, message } = error as { code?: unknown; message?: unknown };
  // Node network errors carry an errno name (ECONNREFUSED, ENOTFOUND, ETIMEDOUT); Postgres errors a
  // SQLSTATE whose message is the useful part (unknown database, bad password).
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeCause))].join(", ");
  }
  return typeof message === "string" && message !== "" ? message : "unknown error";
}

/**
 * Start-up check: resolves when Postgres answers, else throws one line naming the address and cause,
 * e.g. `cannot reach Postgres at 127.0.0.1:5999/hub (ECONNREFUSED)`.
 */
export async function assertDatabaseReachable(pool: Pool, connectionString: string): Promise<void> {
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    const cause = describeCause(error);
    throw new Error(`cannot reach Postgres at ${describeDatabaseAddress(connectionString)} (${cause})`, {
      cause: error,
    });
  }
}
