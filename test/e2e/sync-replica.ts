import { randomBytes } from "node:crypto";
import type { Child } from "@event-hub/local-stack/child-process";
import { startSyncWorkerProcess } from "@event-hub/sync-worker/testing/sync-worker-process";

/** The replicas' sync settings, so tests derive their bounds from them. */
export const REPLICA_SYNC = {
  tickMs: 200,
  leaseSeconds: 3,
  timeoutMs: 2000,
  /** sync-worker's default SYNC_JITTER_RATIO, which the replicas keep. */
  jitterRatio: 0.1,
};

/**
 * One sync-worker replica of several over the run's database, with a short tick and a 3 s lease so
 * a takeover shows within a test. `env` adds to (or overrides) these settings.
 */
export async function startSyncReplica(options: {
  port: number;
  replicaId: string;
  topic: string;
  /** The test's subscription on `topic`: the one the replica must see before it publishes. */
  subscription: string;
  secretsKey?: string;
  env?: Record<string, string>;
}): Promise<Child> {
  return await startSyncWorkerProcess({
    name: `sync-worker ${options.replicaId}`,
    port: options.port,
    env: {
      SECRETS_KEY: options.secretsKey ?? randomBytes(32).toString("base64"),
      PUBSUB_TOPIC: options.topic,
      PUBSUB_SUBSCRIPTION: options.subscription,
      SYNC_REPLICA_ID: options.replicaId,
      SYNC_TICK_MS: String(REPLICA_SYNC.tickMs),
      SYNC_LEASE_SECONDS: String(REPLICA_SYNC.leaseSeconds),
      SYNC_TIMEOUT_MS: String(REPLICA_SYNC.timeoutMs),
      SYNC_JITTER_RATIO: String(REPLICA_SYNC.jitterRatio),
      ...options.env,
    },
  });
}
