import { randomBytes } from "node:crypto";
import {
  createLogger,
  createMetricsRegistry,
  createPool,
  createSecretBox,
  runMigrations,
} from "@event-hub/shared";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { buildApp } from "../src/app.ts";

export const TEST_ADMIN_KEY = `test-admin-${randomBytes(24).toString("base64url")}`;

/** api-gateway on the run's real (migrated) Postgres database, for app.inject() tests. */
export async function buildTestApp(): Promise<{ app: FastifyInstance; db: Pool; close(): Promise<void> }> {
  const logger = createLogger({ service: "api-gateway-test", level: "silent" });
  const db = createPool({
    connectionString: process.env.DATABASE_URL ?? "",
    max: 4,
    applicationName: "api-gateway-test",
    logger,
  });
  await runMigrations(db);
  const app = await buildApp({
    logger,
    db,
    secrets: createSecretBox({ key: randomBytes(32).toString("base64") }),
    metrics: createMetricsRegistry("api-gateway-test"),
    readiness: {},
    isShuttingDown: () => false,
    adminApiKey: TEST_ADMIN_KEY,
    apiKeyHeader: "x-api-key",
    ingestBaseUrl: "http://ingest.test",
  });
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.end();
    },
  };
}
