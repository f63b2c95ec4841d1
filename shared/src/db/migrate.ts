import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Pool, PoolClient } from "pg";

/**
 * Plain SQL migrations: `migrations/NNNN_name.sql`, append-only, applied in order, each in its own
 * transaction (so a file must not contain BEGIN/COMMIT or statements that cannot run in a transaction,
 * such as CREATE INDEX CONCURRENTLY), recorded in `schema_migrations`. The run holds a session advisory
 * lock, so services starting at once apply each file once: the others wait, then find nothing to do.
 */

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL("../../../migrations/", import.meta.url));

/** Fixed key of the advisory lock every migration run takes (any bigint unique to this purpose). */
const MIGRATION_LOCK_KEY = "7305894512330517001";

const FILE_NAME = /^(\d{4})_([A-Za-z0-9_-]+)\.sql$/;

export type Migration = {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
};

export type AppliedMigration = Pick<Migration, "version" | "name" | "file">;

type MigrationRow = { version: number; name: string; checksum: string };

function checksumOf(sql: string): string {
  // Line endings are normalised so a checkout with CRLF does not look like an edited migration.
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

/** The migration files of `directory`, sorted by version; a `.sql` file with a bad name is an error. */
export async function readMigrations(directory: string = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  const entries = await readdir(directory).catch((error: unknown) => {
    throw new Error(`cannot read the migrations folder ${directory}`, { cause: error });
  });
  const files = entries.filter((file) => file.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`migration file ${file} is not named NNNN_name.sql`);
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new Error(`migrations ${previous.file} and ${file} have the same version`);
    }
    const sql = await readFile(join(directory, file), "utf8");
    migrations.push({ version, name: match[2], file, sql, checksum: checksumOf(sql) });
  }
  return migrations;
}

/**
 * Applies the pending migrations of `directory` (default: the repository's `migrations/`) and returns
 * them in the order applied. Throws, naming the file, when an applied file was edited, a new file sorts
 * before one already applied, or a migration fails (that one is rolled back and not recorded).
 */
export async function runMigrations(
  pool: Pool,
  directory: string = MIGRATIONS_DIRECTORY,
): Promise<AppliedMigration[]> {
  const migrations = await readMigrations(directory);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]).catch((error) => {
        // Discarding the connection ends the session, which releases the lock as well.
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, migrations: Migration[]): Promise<AppliedMigration[]> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<MigrationRow>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  const applied = new Map(rows.map((row) => [row.version, row]));
  const lastApplied = rows.at(-1);
  const pending = migrations.filter((migration) => {
    const row = applied.get(migration.version);
    if (row && row.checksum !== migration.checksum) {
      throw new Error(
        `migration ${migration.file} was changed after it was applied (checksum differs); add a new migration instead`,
      );
    }
    return row === undefined;
  });
  const first = pending[0];
  if (first && lastApplied && first.version < lastApplied.version) {
    throw new Error(
      `migration ${first.file} sorts before the applied version ${lastApplied.version} (${lastApplied.name}); ` +
        "migrations are append-only, give it a higher number",
    );
  }
  const done: AppliedMigration[] = [];
  for (const migration of pending) {
    await applyOne(client, migration);
    done.push({ version: migration.version, name: migration.name, file: migration.file });
  }
  return done;
}

async function applyOne(client: PoolClient, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql);
    await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined); // a dead connection fails the unlock too
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${migration.file} failed: ${reason}`, { cause: error });
  }
}
