import { findFreePort, LOOPBACK } from "@event-hub/local-stack/free-port";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createPool } from "@event-hub/shared";
import type { BenchReceiver } from "./bench-receiver.ts";
import type { HubApi } from "./hub-api.ts";
import { storeEventBatch } from "./store-event-batch.ts";
import { runWholePath, type WholePathOptions, type WholePathResult } from "./phase-whole-path.ts";

/**
 * (d) Isolation: `parked` deliveries waiting for a dead destination (its URL refuses connections),
 * stored straight into Postgres through the queue module (events and deliveries, due at once: the
 * dispatcher tries them, fails and schedules their retries while the load runs), while a healthy
 * destination takes the whole-path load. Its figures belong beside (c)'s at the same rate.
 */

export type DeadBacklogResult = {
  parked: number;
  storeSeconds: number;
  /** The dead destination's deliveries still pending when the load ended. */
  stillPending: number;
  healthy: WholePathResult;
};

const STORE_BATCH = 1000;
const SILENT = { error: () => undefined };

export async function runDeadBacklog(
  parts: {
    api: HubApi;
    receiver: BenchReceiver;
    syncWorkerUrl: string;
    db: ReturnType<typeof createPool>;
    databaseUrl: string;
  },
  options: WholePathOptions & { parked: number },
): Promise<DeadBacklogResult> {
  const connectorId = uniqueName("bench-dead");
  await parts.api.registerConnector(connectorId);
  const deadUrl = `http://${LOOPBACK}:${await findFreePort()}/dead`; // nothing listens there
  const destinationId = await parts.api.createWebhook({
    url: deadUrl,
    connectorIds: [connectorId],
    maxInFlight: options.maxInFlight,
  });
  const db = createPool({
    connectionString: parts.databaseUrl,
    max: 1,
    applicationName: "bench",
    logger: SILENT,
  });
  try {
    const startedAt = performance.now();
    for (let stored = 0; stored < options.parked; stored += STORE_BATCH) {
      await storeEventBatch(db, {
        connectorId,
        destinationId,
        size: Math.min(STORE_BATCH, options.parked - stored),
      });
    }
    const storeSeconds = Math.round((performance.now() - startedAt) / 10) / 100;
    const healthy = await runWholePath(parts, options);
    const pending = await db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM deliveries WHERE destination_id = $1 AND status = 'pending'",
      [destinationId],
    );
    return { parked: options.parked, storeSeconds, stillPending: pending.rows[0]?.count ?? 0, healthy };
  } finally {
    await db.end();
  }
}
