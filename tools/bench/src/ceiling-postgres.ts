import type { PostgresServer } from "@event-hub/local-stack/postgres";
import { createPool, newId, runMigrations } from "@event-hub/shared";
import { storeEventBatch } from "./store-event-batch.ts";
import { throughput, type Throughput } from "./throughput.ts";

/**
 * Postgres' ceiling for what the dispatcher's consumer writes: events with one delivery each, into
 * the hub's real schema (a database of its own, migrated), through the queue module's own
 * multi-row `unnest` inserts, `batchSize` events per transaction, `connections` transactions at once.
 */

const SILENT = { error: () => undefined };

export async function measurePostgresCeiling(
  postgres: PostgresServer,
  options: { count: number; batchSize: number; connections: number },
): Promise<Throughput> {
  const database = `bench_ceiling_${process.pid}`;
  const url = await postgres.createDatabase(database);
  const db = createPool({
    connectionString: url,
    max: options.connections,
    applicationName: "bench",
    logger: SILENT,
  });
  try {
    await runMigrations(db);
    const destinationId = newId("whk");
    await db.query(
      `INSERT INTO destinations (id, type, triggers, config) VALUES ($1, 'webhook', '{**}', '{"url":"http://127.0.0.1:9/"}')`,
      [destinationId],
    );
    const batches = Math.ceil(options.count / options.batchSize);
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (next < batches) {
          next += 1; // taken before the await, so the connections never store the same batch twice
          await storeEventBatch(db, { connectorId: "bench-ceiling", destinationId, size: options.batchSize });
        }
      }),
    );
    const setting = `${options.batchSize} events + deliveries per transaction, ${options.connections} connections`;
    return throughput(batches * options.batchSize, startedAt, performance.now(), setting);
  } finally {
    await db.end();
    await postgres.dropDatabase(database);
  }
}
