import type { createPool } from "@event-hub/shared";

/**
 * sync-worker's outbox as its /metrics tell it. An event ingest could not publish in time (Pub/Sub
 * failed or took longer than PUBLISH_TIMEOUT_MS) is accepted into the outbox and relayed later: a
 * phase where `accepted` grew measured that fallback path too, and the table says so; while events
 * wait there (counted in its table: the hub_outbox_events gauge is only set after a whole relay
 * pass, so it reads 0 through a long one), the hub is not idle and a missing event is not yet lost.
 */

/** hub_events_ingested_total{path="outbox"}, summed over triggers and Connectors. */
export async function readOutboxAccepted(syncWorkerUrl: string): Promise<number> {
  return sumOf(
    await readMetrics(syncWorkerUrl),
    /^hub_events_ingested_total\{[^}]*path="outbox"[^}]*\} (\S+)$/,
  );
}

/** Events waiting in the outbox now. */
export async function countOutboxWaiting(db: ReturnType<typeof createPool>): Promise<number> {
  const result = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM ingest_outbox");
  return result.rows[0]?.count ?? 0;
}

async function readMetrics(syncWorkerUrl: string): Promise<string> {
  const response = await fetch(`${syncWorkerUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return response.text();
}

function sumOf(text: string, pattern: RegExp): number {
  let total = 0;
  for (const line of text.split("\n")) {
    const match = pattern.exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}
