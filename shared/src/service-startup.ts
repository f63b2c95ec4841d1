import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { createPool, assertDatabaseReachable } from "./db/pool.ts";
import { runMigrations } from "./db/migrate.ts";
import { ConfigError } from "./errors.ts";
import { createPubSub } from "./pubsub/client.ts";

/** A start-up failure the operator can fix; reported as one line, without a stack trace. */
export class StartupError extends Error {}

/**
 * Runs a service's start-up. Bad configuration or an unreachable dependency stops the process with
 * one line naming the variable or address; anything unexpected is printed in full.
 */
export async function runService(service: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    const expected = error instanceof ConfigError || error instanceof StartupError;
    const text = expected
      ? (error as Error).message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    process.stderr.write(`${service}: ${text}\n`);
    process.exit(1);
  }
}

export type DatabaseConfig = { DATABASE_URL: string; DATABASE_POOL_SIZE: number; MIGRATE_ON_START: boolean };

/** A pool that is known to reach Postgres, with the schema migrated when the service is asked to. */
export async function openDatabase(service: string, config: DatabaseConfig, logger: Logger): Promise<Pool> {
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    applicationName: service,
    logger,
  });
  try {
    await assertDatabaseReachable(pool, config.DATABASE_URL);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StartupError((error as Error).message);
  }
  if (config.MIGRATE_ON_START) {
    const applied = await runMigrations(pool);
    if (applied.length > 0) logger.info({ applied }, "database migrations applied");
  }
  return pool;
}

export type PubSubConfig = { PUBSUB_PROJECT_ID: string; PUBSUB_EMULATOR_HOST?: string | undefined };

export function openPubSub(config: PubSubConfig): PubSub {
  return createPubSub({
    projectId: config.PUBSUB_PROJECT_ID || undefined,
    emulatorHost: config.PUBSUB_EMULATOR_HOST || undefined,
  });
}
