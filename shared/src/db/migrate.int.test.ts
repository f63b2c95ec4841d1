import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Pool } from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { readMigrations, runMigrations } from "./migrate.ts";
import { createPool } from "./pool.ts";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must be set");
const logger = { error: () => undefined };
const admin = createPool({ connectionString: databaseUrl, max: 2, applicationName: "migrate-test", logger });
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await admin.end();
});

/** Each test migrates its own schema (search_path), so schema_migrations starts empty every time. */
async function freshSchema(): Promise<string> {
  const schema = `migrate_${randomUUID().replaceAll("-", "")}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  cleanups.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
  const url = new URL(databaseUrl as string);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

function poolFor(connectionString: string, max = 1): Pool {
  const pool = createPool({ connectionString, max, applicationName: "migrate-test", logger });
  cleanups.push(() => pool.end());
  return pool;
}

async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "hub-migrations-"));
  cleanups.push(() => rm(folder, { recursive: true }));
  await Promise.all(Object.entries(files).map(([name, sql]) => writeFile(join(folder, name), sql)));
  return folder;
}

const versions = (applied: Array<{ file: string }>) => applied.map((migration) => migration.file);

describe("runMigrations", () => {
  it("applies each file once when two pools migrate the same fresh database at once", async () => {
    const url = await freshSchema();
    const folder = await folderWith({
      // Not idempotent on purpose: a second application would fail or add a row.
      "0001_create.sql": "CREATE TABLE seen (n int);\nINSERT INTO seen VALUES (1);\nSELECT pg_sleep(0.3);",
      "0002_insert.sql": "INSERT INTO seen VALUES (2);",
      "0003_more.sql": "CREATE TABLE other (id text PRIMARY KEY);",
    });
    const results = await Promise.all([
      runMigrations(poolFor(url), folder),
      runMigrations(poolFor(url), folder),
    ]);

    expect(results.map(versions).sort((a, b) => b.length - a.length)).toStrictEqual([
      ["0001_create.sql", "0002_insert.sql", "0003_more.sql"],
      [],
    ]);
    const db = poolFor(url);
    expect((await db.query("SELECT n FROM seen ORDER BY n")).rows).toStrictEqual([{ n: 1 }, { n: 2 }]);
    const expected = await readMigrations(folder);
    const { rows } = await db.query(
      "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version",
    );
    expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toStrictEqual(
      expected.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );
    expect(rows.every((row) => row.applied_at instanceof Date)).toBe(true);
  });

  it("applies only new files on a later run and nothing when up to date", async () => {
    const url = await freshSchema();
    const folder = await folderWith({ "0001_a.sql": "CREATE TABLE a (id int);" });
    const pool = poolFor(url);
    expect(versions(await runMigrations(pool, folder))).toStrictEqual(["0001_a.sql"]);
    await writeFile(join(folder, "0002_b.sql"), "CREATE TABLE b (id int);");
    expect(versions(await runMigrations(pool, folder))).toStrictEqual(["0002_b.sql"]);
    expect(await runMigrations(pool, folder)).toStrictEqual([]);
  });

  it("refuses to run when an applied file changed, naming the file, and applies nothing", async () => {
    const url = await freshSchema();
    const folder = await folderWith({ "0001_a.sql": "CREATE TABLE a (id int);" });
    const pool = poolFor(url);
    await runMigrations(pool, folder);
    await writeFile(join(folder, "0001_a.sql"), "CREATE TABLE a (id bigint);");
    await writeFile(join(folder, "0002_b.sql"), "CREATE TABLE b (id int);");
    await expect(runMigrations(pool, folder)).rejects.toThrow(
      "migration 0001_a.sql was changed after it was applied (checksum differs); add a new migration instead",
    );
    const { rows } = await pool.query("SELECT to_regclass('b') AS b");
    expect(rows).toStrictEqual([{ b: null }]);
  });

  it("rolls a failing migration back, does not record it, releases the lock, and applies it once fixed", async () => {
    const url = await freshSchema();
    const folder = await folderWith({
      "0001_ok.sql": "CREATE TABLE a (id int);",
      "0002_broken.sql": "CREATE TABLE c (n int);\nINSERT INTO c VALUES (1);\nSELECT 1 / 0;",
      "0003_after.sql": "CREATE TABLE d (n int);",
    });
    const first = poolFor(url);
    await expect(runMigrations(first, folder)).rejects.toThrow(
      "migration 0002_broken.sql failed: division by zero",
    );
    const state = await first.query(
      "SELECT to_regclass('a') IS NOT NULL AS a, to_regclass('c') AS c, to_regclass('d') AS d, " +
        "(SELECT array_agg(version ORDER BY version) FROM schema_migrations) AS versions",
    );
    expect(state.rows).toStrictEqual([{ a: true, c: null, d: null, versions: [1] }]);

    await writeFile(join(folder, "0002_broken.sql"), "CREATE TABLE c (n int);");
    // Another pool (another session): it would wait forever if the failed run had kept the lock.
    expect(versions(await runMigrations(poolFor(url), folder))).toStrictEqual([
      "0002_broken.sql",
      "0003_after.sql",
    ]);
  });

  it("refuses a new file that sorts before an applied one", async () => {
    const url = await freshSchema();
    const folder = await folderWith({ "0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 3;" });
    const pool = poolFor(url);
    await runMigrations(pool, folder);
    await writeFile(join(folder, "0002_b.sql"), "SELECT 2;");
    await expect(runMigrations(pool, folder)).rejects.toThrow(
      "migration 0002_b.sql sorts before the applied version 3 (c); migrations are append-only, give it a higher number",
    );
  });
});

describe("migrate-cli", () => {
  const cli = fileURLToPath(new URL("./migrate-cli.ts", import.meta.url));
  const run = promisify(execFile);

  it("prints what it applied, then that the database is up to date", async () => {
    const url = await freshSchema();
    const folder = await folderWith({ "0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "SELECT 1;" });
    const env = { ...process.env, DATABASE_URL: url };
    const first = await run(process.execPath, [cli, folder], { env });
    const address = `${new URL(url).hostname}:${new URL(url).port || "5432"}${new URL(url).pathname}`;
    expect(first.stdout).toBe(`applied 0001_a.sql\napplied 0002_b.sql\n${address}: 2 applied\n`);
    const second = await run(process.execPath, [cli, folder], { env });
    expect(second.stdout).toBe(`${address} is up to date\n`);
  });

  it("exits 1 with one line when a migration fails", async () => {
    const url = await freshSchema();
    const folder = await folderWith({ "0001_bad.sql": "SELEC 1;" });
    const failure = await run(process.execPath, [cli, folder], {
      env: { ...process.env, DATABASE_URL: url },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe('migrate: migration 0001_bad.sql failed: syntax error at or near "SELEC"\n');
  });
});
