import { createPool, runMigrations } from "@event-hub/shared";
import type { Pool } from "pg";
import { logger } from "./harness.ts";
import { createOwnDatabase } from "./own-database.ts";

/** A migrated database of its own and a pool on it; `close()` ends the pool and drops the database. */
export async function openOwnTestDatabase(
  label: string,
): Promise<{ db: Pool; url: string; close(): Promise<void> }> {
  const database = await createOwnDatabase(label);
  const db = createPool({
    connectionString: database.url,
    max: 6,
    applicationName: "dispatcher-test",
    logger,
  });
  await runMigrations(db);
  return {
    db,
    url: database.url,
    async close() {
      await db.end();
      await database.drop();
    },
  };
}
