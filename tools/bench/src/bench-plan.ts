import { parseArgs } from "node:util";

/**
 * What one run measures and how much, from the command line:
 *   --quick            short phases and small counts (a smoke run; `make test` runs one)
 *   --only a,c         only these parts: ceilings, a, b, c, d (all by default)
 *   --duration <s>     seconds of each whole-path rate, (c) and (d) (default 60; --quick 2)
 *   --max-in-flight <n> each destination's maxInFlight (default 50, DELIVERY_CONCURRENCY's default)
 *   --connectors <n>   Connectors (ordering keys) sending in each phase (default 8)
 *   --out-dir <dir>    where the JSON goes (default .local/bench)
 */

const PARTS = ["ceilings", "a", "b", "c", "d"] as const;
export type Part = (typeof PARTS)[number];

export type BenchPlan = {
  isQuick: boolean;
  parts: ReadonlySet<Part>;
  outDir: string | undefined;
  maxInFlight: number;
  connectors: number;
  ceilings: {
    publishCount: number;
    passThroughCount: number;
    httpConnections: readonly number[];
    httpSecondsEach: number;
    postgres: { count: number; batchSize: number; connections: number };
  };
  ingest: { rates: readonly number[]; seconds: number };
  backlog: Array<{ destinations: number; events: number }>;
  wholePath: { rates: readonly number[]; seconds: number; drainMs: number };
  deadBacklog: { parked: number; ratePerSecond: number };
  deadlineMs: number;
};

export function parsePlan(argv: readonly string[]): BenchPlan {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      duration: { type: "string" },
      /** Whole-path rates (events/s), e.g. `500,750,1000`: where the hub's own knee is. */
      rates: { type: "string" },
      "max-in-flight": { type: "string", default: "50" },
      connectors: { type: "string", default: "8" },
      "out-dir": { type: "string" },
    },
  });
  const isQuick = values.quick === true;
  const seconds = positive(values.duration ?? (isQuick ? "2" : "60"), "--duration");
  return {
    isQuick,
    parts: partsOf(values.only),
    outDir: values["out-dir"],
    maxInFlight: positive(values["max-in-flight"], "--max-in-flight"),
    connectors: positive(values.connectors, "--connectors"),
    ceilings: isQuick
      ? {
          publishCount: 2000,
          passThroughCount: 2000,
          httpConnections: [64],
          httpSecondsEach: 0.5,
          postgres: { count: 2000, batchSize: 500, connections: 2 },
        }
      : {
          publishCount: 30_000,
          passThroughCount: 30_000,
          httpConnections: [64, 128, 256],
          httpSecondsEach: 3,
          postgres: { count: 60_000, batchSize: 1000, connections: 4 },
        },
    ingest: isQuick ? { rates: [200, 500], seconds: 1 } : { rates: [1000, 2000, 3000, 5000], seconds: 10 },
    backlog: isQuick
      ? [
          { destinations: 1, events: 200 },
          { destinations: 10, events: 50 },
        ]
      : [
          { destinations: 1, events: 2000 },
          { destinations: 10, events: 1000 },
        ],
    wholePath: {
      rates: values.rates
        ? values.rates.split(",").map((rate) => positive(rate.trim(), "--rates"))
        : isQuick
          ? [100, 200]
          : [1000, 2000],
      seconds,
      drainMs: 30_000,
    },
    deadBacklog: isQuick ? { parked: 2000, ratePerSecond: 100 } : { parked: 100_000, ratePerSecond: 1000 },
    deadlineMs: isQuick ? 30_000 : 60_000,
  };
}

function partsOf(only: string | undefined): ReadonlySet<Part> {
  if (only === undefined) return new Set(PARTS);
  const asked = only.split(",").map((part) => part.trim());
  const unknown = asked.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0)
    throw new Error(`--only: unknown part(s) ${unknown.join(", ")}; parts: ${PARTS.join(", ")}`);
  return new Set(asked as Part[]);
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, not ${text}`);
  return value;
}
