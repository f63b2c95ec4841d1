/**
 * Latencies of one measurement in a pre-sized Float64Array, so that recording one costs a store and
 * no allocation: the load generator shares the machine with what it measures.
 */

export type Latencies = {
  record(ms: number): void;
  count(): number;
  summary(): LatencySummary;
};

export type LatencySummary = { count: number; p50Ms: number; p99Ms: number; maxMs: number };

export function createLatencies(capacity: number): Latencies {
  const values = new Float64Array(Math.max(1, capacity));
  let count = 0;
  return {
    record: (ms) => {
      if (count < values.length) values[count++] = ms;
    },
    count: () => count,
    summary: () => summarize(values.subarray(0, count)),
  };
}

/** p50, p99 and max of `values` (sorted in place; a copy is the caller's choice). */
function summarize(values: Float64Array): LatencySummary {
  values.sort();
  const at = (p: number): number =>
    values.length === 0 ? 0 : (values[Math.min(values.length - 1, Math.floor(p * values.length))] ?? 0);
  return { count: values.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(at(1)) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
