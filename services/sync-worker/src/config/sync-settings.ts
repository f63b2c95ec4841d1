import { Type } from "typebox";

/** The sync scheduler's settings (part of sync-worker's config schema). */
export const syncSettings = {
  SYNC_ENABLED: Type.Boolean({
    default: true,
    description: "Run the sync scheduler (POST …/Account/Sync for every enabled Connector)",
  }),
  SYNC_TICK_MS: Type.Integer({
    minimum: 50,
    default: 1000,
    description:
      "How often the scheduler renews its leases and looks for due syncs (a NOTIFY wakes it at once)",
  }),
  SYNC_LEASE_SECONDS: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      "How long a replica's lease on a Connector lasts without renewal; another replica takes the Connector over after it",
  }),
  SYNC_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 20000,
    description: "Timeout of one POST …/Account/Sync (must be below SYNC_LEASE_SECONDS; checked at start)",
  }),
  SYNC_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 8,
    description: "Most Connectors this replica syncs at once",
  }),
  SYNC_JITTER_RATIO: Type.Number({
    minimum: 0,
    maximum: 0.5,
    default: 0.1,
    description: "Each wait is scaled by a random factor in [1 - ratio, 1 + ratio]",
  }),
  SYNC_BACKOFF_MAX_SECONDS: Type.Integer({
    minimum: 1,
    default: 900,
    description: "Cap of the exponential backoff after failed syncs",
  }),
  SYNC_REPLICA_ID: Type.String({
    default: "",
    description: "This replica's name in the lease columns; empty = hostname, process id and a random suffix",
  }),
};
