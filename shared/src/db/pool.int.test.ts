import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
