import type { Pool } from "pg";

/** A destination as the delivery stages need it: stored config (unparsed), policy, signing secrets. */
export type DestinationTarget = {
  id: string;
  type: string;
  enabled: boolean;
  config: unknown;
  retryScheduleSeconds: number[] | null;
  retryClientErrors: boolean;
  timeoutMs: number;
  /** Signing secrets not yet expired (current and rotating-out ones), newest first. */
  sealedSecrets: string[];
};

export async function loadDestination(
  db: Pool,
  destinationId: string,
): Promise<DestinationTarget | undefined> {
  const result = await db.query<{
    id: string;
    type: string;
    enabled: boolean;
    config: unknown;
    retry_schedule_seconds: number[] | null;
    retry_client_errors: boolean;
    timeout_ms: number;
    sealed_secrets: string[] | null;
  }>({
    name: "load-destination",
    text: `SELECT d.id, d.type, d.enabled, d.config, d.retry_schedule_seconds, d.retry_client_errors, d.timeout_ms,
            array_agg(s.secret_sealed ORDER BY s.created_at DESC)
              FILTER (WHERE s.secret_sealed IS NOT NULL) AS sealed_secrets
       FROM destinations d
       LEFT JOIN destination_secrets s
         ON s.destination_id = d.id AND (s.expires_at IS NULL OR s.expires_at > now())
      WHERE d.id = $1
      GROUP BY d.id`,
    values: [destinationId],
  });
  const row = result.rows[0];
  return (
    row && {
      id: row.id,
      type: row.type,
      enabled: row.enabled,
      config: row.config,
      retryScheduleSeconds: row.retry_schedule_seconds,
      retryClientErrors: row.retry_client_errors,
      timeoutMs: row.timeout_ms,
      sealedSecrets: row.sealed_secrets ?? [],
    }
  );
}
