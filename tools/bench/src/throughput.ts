/** A rate measured as `count` things in `seconds`; `setting` says how (batch size, connections, …). */
export type Throughput = { count: number; seconds: number; perSecond: number; setting: string };

export function throughput(count: number, startedAt: number, endedAt: number, setting: string): Throughput {
  const seconds = Math.max(1e-3, (endedAt - startedAt) / 1000);
  return { count, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(count / seconds), setting };
}
