import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { PoolClient } from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { assertDatabaseReachable, checkDatabase, createPool, withTransaction } from "./pool.ts";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must be set");
const logger = { error: () => undefined };
// One connection: a client that is not released, or released mid-transaction, shows up at once.
const pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: "pool-test", logger });
const table = `pool_test_${randomUUID().replaceAll("-", "")}`;

beforeAll(async () => {
  await pool.query(`CREATE TABLE ${table} (n int)`);
});
afterAll(async () => {
  await pool.query(`DROP TABLE ${table}`);
  await pool.end();
});

const rows = async () =>
  (await pool.query(`SELECT n FROM ${table} ORDER BY n`)).rows.map((row) => row.n as number);

describe("withTransaction", () => {
  it("commits what fn did and returns its result", async () => {
    const result = await withTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES (1), (2)`);
      return "done";
    });
    expect(result).toBe("done");
    expect(await rows()).toStrictEqual([1, 2]);
  });

  it("rolls back and rethrows when fn throws, and releases the client", async () => {
    const failure = new Error("no");
    await expect(
      withTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (3)`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await rows()).toStrictEqual([1, 2]);
    expect(pool.idleCount).toBe(1);
  });

  it("rolls back when a statement fails, and the next transaction on the connection works", async () => {
    await expect(
      withTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (4)`);
        await client.query("SELECT 1 / 0");
      }),
    ).rejects.toThrow("division by zero");
    await withTransaction(pool, (client) => client.query(`INSERT INTO ${table} VALUES (5)`));
    expect(await rows()).toStrictEqual([1, 2, 5]);
    const { rows: status } = await pool.query("SELECT now() = statement_timestamp() AS outside_transaction");
    expect(status).toStrictEqual([{ outside_transaction: true }]);
  });
});

describe("readiness", () => {
  it("checkDatabase answers true and assertDatabaseReachable resolves", async () => {
    expect(await checkDatabase(pool, 2000)).toBe(true);
    await expect(assertDatabaseReachable(pool, databaseUrl)).resolves.toBeUndefined();
  });

  it("assertDatabaseReachable names a database that does not exist", async () => {
    const url = new URL(databaseUrl);
    url.pathname = "/no_such_database_for_hub";
    const missing = createPool({
      connectionString: url.toString(),
      max: 1,
      applicationName: "pool-test",
      logger,
    });
    await expect(assertDatabaseReachable(missing, url.toString())).rejects.toThrow(
      `cannot reach Postgres at ${url.hostname}:${url.port || "5432"}/no_such_database_for_hub ` +
        '(database "no_such_database_for_hub" does not exist)',
    );
    await missing.end();
  });
});

// As a failover or `pg_terminate_backend` does it: the backend of a client that is checked out dies
// while the caller is between two queries. An unhandled 'error' event here would kill the process
// (vitest reports it as an unhandled error and fails the run).
describe("a checked-out client whose backend is terminated", () => {
  const admin = createPool({
    connectionString: databaseUrl,
    max: 1,
    applicationName: "pool-test-admin",
    logger,
  });
  afterAll(() => admin.end());

  const terminateBackendOf = async (client: PoolClient) => {
    const { rows: pids } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    await admin.query("SELECT pg_terminate_backend($1)", [pids[0]!.pid]);
    await sleep(200); // the FATAL error and the socket's end reach the idle client
  };

  it("withTransaction rejects instead of crashing, and the pool serves the next query", async () => {
    await expect(
      withTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (6)`);
        await terminateBackendOf(client);
        await client.query(`INSERT INTO ${table} VALUES (7)`);
      }),
    ).rejects.toThrow();
    expect(await rows()).toStrictEqual([1, 2, 5]);
  });

  it("a client from pool.connect() is guarded for its checkout, logged, and discarded on release", async () => {
    const error = vi.fn();
    const guarded = createPool({
      connectionString: databaseUrl,
      max: 1,
      applicationName: "pool-test",
      logger: { error },
    });
    const client = await guarded.connect();
    await terminateBackendOf(client);
    await expect(client.query("SELECT 1")).rejects.toThrow();
    client.release();
    expect(error).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("checked-out"));
    expect((await guarded.query("SELECT 1 AS one")).rows).toStrictEqual([{ one: 1 }]);
    await guarded.end();
  });

  it("withTransaction holds on a pool that createPool did not make", async () => {
    const plain = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    plain.on("error", () => undefined);
    await expect(withTransaction(plain, terminateBackendOf)).rejects.toThrow();
    expect((await plain.query("SELECT 1 AS one")).rows).toStrictEqual([{ one: 1 }]);
    await plain.end();
  });
});
