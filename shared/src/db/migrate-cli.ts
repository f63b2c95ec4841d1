/**
 * `npm run migrate [-- <migrations folder>]`: applies the SQL migrations to DATABASE_URL, prints what it
 * applied, exits 0 on success and 1 with one line on stderr otherwise.
 */
import { runMigrations } from "./migrate.ts";
import { assertDatabaseReachable, createPool, describeDatabaseAddress } from "./pool.ts";

function fail(message: string): never {
  console.error(`migrate: ${message}`);
  process.exit(1);
}

const connectionString = process.env.DATABASE_URL;
if (!connectionString) fail("DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/hub)");

const pool = createPool({
  connectionString,
  max: 1,
  applicationName: "event-hub-migrate",
  logger: { error: (_details, message) => console.error(`migrate: ${message}`) },
});
try {
  await assertDatabaseReachable(pool, connectionString);
  const applied = await runMigrations(pool, process.argv[2]);
  const address = describeDatabaseAddress(connectionString);
  for (const migration of applied) process.stdout.write(`applied ${migration.file}\n`);
  process.stdout.write(
    applied.length === 0 ? `${address} is up to date\n` : `${address}: ${applied.length} applied\n`,
  );
} catch (error) {
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
