import type { PostgresSource } from "@event-hub/local-stack/postgres";
import type { PubSubSource } from "@event-hub/local-stack/pubsub-emulator";
import type { HttpCeiling } from "./ceiling-http.ts";
import type { BacklogResult } from "./phase-backlog.ts";
import type { DeadBacklogResult } from "./phase-dead-backlog.ts";
import type { IngestStep } from "./phase-ingest.ts";
import type { WholePathResult } from "./phase-whole-path.ts";
import type { Throughput } from "./throughput.ts";
import type { PhaseUsage } from "./usage-meter.ts";

/** Everything one run measured: the JSON written to `.local/bench/<time>.json`, and what the table shows. */
export type BenchReport = {
  startedAt: string;
  durationSeconds: number;
  commit: string;
  cores: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  stack: { emulator: PubSubSource; postgres: PostgresSource };
  /** What the run set that a user could set for load (env of the services, destination settings). */
  settings: Record<string, string>;
  parts: string[];
  isQuick: boolean;
  ceilings?: { publish: Throughput; passThrough: Throughput; http: HttpCeiling; postgres: Throughput };
  ingest?: IngestStep[];
  backlog?: BacklogResult[];
  wholePath?: WholePathResult[];
  deadBacklog?: DeadBacklogResult;
  usage: { phases: PhaseUsage[]; peakRssMiB: Record<string, number> };
  /** Events ingest accepted that never reached the receiver, over (c) and (d), where judged. */
  lost: number;
  /** What the run skipped or could not judge, and why. */
  notes: string[];
};
