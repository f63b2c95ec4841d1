import { randomUUID } from "node:crypto";
import {
  connectorApiKeySealing,
  createPeriodicTask,
  type GuardedFetch,
  type NotificationListener,
  type SecretBox,
} from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { SyncWorkerMetrics } from "../metrics.ts";
import { nextSyncDelayMs, type SchedulePolicy } from "./sync-schedule.ts";
import { startSyncNowListener } from "./sync-now-listener.ts";
import { requestSync, type SyncResult } from "./sync-request.ts";
import {
  claimLeases,
  ensureSyncStates,
  heartbeatReplica,
  listDueTargets,
  recordSyncOutcome,
  recordSyncStarted,
  releaseLeases,
  removeReplica,
  renewLeases,
  type SyncTarget,
} from "./sync-state-store.ts";

export type SyncSchedulerOptions = SchedulePolicy & {
  db: Pool;
  /** A connection string for the LISTEN connection (a pool's clients come and go). */
  databaseUrl: string;
  secretBox: SecretBox;
  logger: Logger;
  metrics: SyncWorkerMetrics;
  replicaId: string;
  tickMs: number;
  leaseSeconds: number;
  timeoutMs: number;
  concurrency: number;
  /** The SSRF-guarded client for calls to Connectors (SSRF_ALLOW). */
  connectorFetch: GuardedFetch;
};

export type SyncScheduler = {
  start(): Promise<void>;
  /** Stops ticking, waits for running syncs, gives the leases back so another replica goes on at once. */
  stop(): Promise<void>;
  /** The Connectors whose lease this replica holds. */
  owned(): ReadonlySet<string>;
};

/**
 * Syncs every enabled Connector on its schedule. Each replica holds leases on a fair share of the
 * Connectors (renewed every tick; a dead replica's leases run out and the others claim them) and
 * syncs only those, at most `concurrency` at once, so a slow or hanging Connector holds one slot
 * until its timeout and never delays the rest.
 */
export function createSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  const { db, logger } = options;
  let owned = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let listener: NotificationListener | undefined;

  const tick = async (): Promise<void> => {
    const liveReplicas = await heartbeatReplica(db, options.replicaId, options.leaseSeconds);
    const enabled = await ensureSyncStates(db);
    owned = new Set(await renewLeases(db, options.replicaId, options.leaseSeconds));
    const fairShare = Math.ceil(enabled / Math.max(1, liveReplicas));
    if (owned.size < fairShare) {
      const claimed = await claimLeases(db, options.replicaId, options.leaseSeconds, fairShare - owned.size);
      for (const id of claimed) owned.add(id);
      if (claimed.length > 0) logger.info({ claimed }, "sync leases taken");
    } else if (owned.size > fairShare) {
      const extra = [...owned].filter((id) => !running.has(id)).slice(0, owned.size - fairShare);
      await releaseLeases(db, options.replicaId, extra);
      for (const id of extra) owned.delete(id);
    }
    options.metrics.leasesOwned.set(owned.size);
    const free = options.concurrency - running.size;
    if (free <= 0) return;
    const due = await listDueTargets(db, options.replicaId, options.concurrency);
    for (const target of due.filter((t) => !running.has(t.connector_id)).slice(0, free)) {
      const run = runSync(options, target).finally(() => {
        running.delete(target.connector_id);
        wake(); // a slot is free: the next due Connector need not wait for the tick
      });
      running.set(target.connector_id, run);
    }
  };

  const ticker = createPeriodicTask({
    name: "sync scheduler tick",
    intervalMs: options.tickMs,
    run: tick,
    logger,
  });
  const wake = () => ticker.wake();

  return {
    async start() {
      listener = await startSyncNowListener({ databaseUrl: options.databaseUrl, logger, onRequest: wake });
      ticker.start();
    },
    async stop() {
      await ticker.stop();
      await Promise.allSettled(running.values());
      await listener?.stop();
      await releaseLeases(db, options.replicaId, [...owned]).catch(() => undefined);
      await removeReplica(db, options.replicaId).catch(() => undefined);
    },
    owned: () => owned,
  };
}

async function runSync(options: SyncSchedulerOptions, target: SyncTarget): Promise<void> {
  const correlationId = randomUUID();
  const startedAt = performance.now();
  let result: SyncResult;
  try {
    await recordSyncStarted(options.db, target.connector_id, correlationId);
    result = await callConnector(options, target, correlationId);
  } catch (error) {
    result = { ok: false, outcome: "error", error: (error as Error).message };
  }
  const outcome = result.ok ? "success" : result.outcome;
  options.metrics.syncs.inc({ outcome });
  options.metrics.syncSeconds.observe({ outcome }, (performance.now() - startedAt) / 1000);
  const failures = result.ok ? 0 : target.consecutive_failures + 1;
  if (!result.ok) {
    options.logger.warn(
      { connectorId: target.connector_id, correlationId, error: result.error, failures },
      "sync failed",
    );
  }
  await recordSyncOutcome(options.db, {
    connectorId: target.connector_id,
    isSuccess: result.ok,
    error: result.ok ? undefined : result.error,
    consecutiveFailures: failures,
    nextSyncInMs: nextSyncDelayMs(options, target.sync_interval_seconds, failures),
  }).catch((error: unknown) =>
    options.logger.error({ err: error, connectorId: target.connector_id }, "cannot record the sync outcome"),
  );
}

async function callConnector(
  options: SyncSchedulerOptions,
  target: SyncTarget,
  correlationId: string,
): Promise<SyncResult> {
  if (!target.api_key_sealed) {
    return { ok: false, outcome: "error", error: "no API key registered for this Connector" };
  }
  return await requestSync(options.connectorFetch, {
    baseUrl: target.base_url,
    apiPrefix: target.api_prefix,
    apiKey: options.secretBox.open(target.api_key_sealed, connectorApiKeySealing(target.connector_id)),
    correlationId,
    timeoutMs: options.timeoutMs,
  });
}
