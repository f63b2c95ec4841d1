import type { Pool } from "pg";
import { runMigrations } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { newId } from "../ids.ts";

/**
 * For the delivery queue's own integration tests: the test file's database (the integration setup
 * gives each file one), migrated, and destinations written as api-gateway would.
 */
export async function openQueueTestDatabase(): Promise<Pool> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL must be set");
  const db = createPool({
    connectionString,
    max: 6,
    applicationName: "delivery-queue-test",
    logger: console,
  });
  await runMigrations(db);
  return db;
}

export type TestDestination = {
  type?: "webhook" | "batch";
  /** Default `["**"]`. */
  triggers?: string[];
  connectorIds?: string[] | null;
  ordered?: boolean;
  maxInFlight?: number;
  rateLimitPerSecond?: number | null;
};

export async function insertDestination(db: Pool, input: TestDestination = {}): Promise<string> {
  const id = newId("whk");
  const config =
    input.type === "batch"
      ? { url: "http://127.0.0.1:9/", publishIntervalSeconds: 1 }
      : { url: "http://127.0.0.1:9/" };
  await db.query(
    `INSERT INTO destinations (id, type, triggers, connector_ids, config, ordered, max_in_flight, rate_limit_per_second)
     VALUES ($1, $2, $8, $3, $4, $5, $6, $7)`,
    [
      id,
      input.type ?? "webhook",
      input.connectorIds ?? null,
      config,
      input.ordered ?? false,
      input.maxInFlight ?? 10,
      input.rateLimitPerSecond ?? null,
      input.triggers ?? ["**"],
    ],
  );
  return id;
}
