import pg from "pg";

/**
 * Runs one statement on the server of `anyDatabaseUrl`, connected to its `postgres` database:
 * CREATE DATABASE and DROP DATABASE cannot run in the database they name.
 */
export async function runOnServer(anyDatabaseUrl: URL, sql: string): Promise<void> {
  const adminUrl = new URL(anyDatabaseUrl);
  adminUrl.pathname = "/postgres";
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
