/**
 * Events sync-worker accepted into its outbox instead of publishing at once (Pub/Sub failed or took
 * longer than PUBLISH_TIMEOUT_MS), from its /metrics: a phase where this grew measured the fallback
 * path too, and the table says so.
 */
export async function readOutboxAccepted(syncWorkerUrl: string): Promise<number> {
  const text = await (
    await fetch(`${syncWorkerUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  let total = 0;
  for (const line of text.split("\n")) {
    const match = /^hub_events_ingested_total\{[^}]*path="outbox"[^}]*\} (\S+)$/.exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}
