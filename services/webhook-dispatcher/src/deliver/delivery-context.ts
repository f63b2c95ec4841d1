import type { Pool } from "pg";
import type { Logger } from "pino";
import type { BreakerPolicy } from "./circuit-breaker.ts";
import type { DispatchMetrics } from "../metrics.ts";
import type { OperatorEvents } from "../operator-events.ts";
import type { DestinationSenders } from "../destinations/send-to-destination.ts";

/** What every delivery stage runs with: the single deliveries and the batches alike. */
export type DeliveryLoopDeps = DestinationSenders & {
  db: Pool;
  logger: Logger;
  metrics?: DispatchMetrics;
  operations?: OperatorEvents;
};

export type DeliveryLoopOptions = {
  owner: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseSeconds: number;
  breaker: BreakerPolicy;
};
