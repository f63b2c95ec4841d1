import type { Static } from "typebox";
import type { DestinationRow } from "../webhooks/destinations-store.ts";
import type { Destination } from "./webhook-schemas.ts";

/** A destination as the API shows it: type-specific fields, never a secret. */
export function toDestination(row: DestinationRow): Static<typeof Destination> {
  const config = row.config as Record<string, unknown>;
  const view: Record<string, unknown> = {
    id: row.id,
    type: row.type,
    description: row.description,
    triggers: row.triggers,
    connectorIds: row.connector_ids,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    ordered: row.ordered,
    retry: { scheduleSeconds: row.retry_schedule_seconds, retryClientErrors: row.retry_client_errors },
    maxInFlight: row.max_in_flight,
    rateLimitPerSecond: row.rate_limit_per_second,
    timeoutMs: row.timeout_ms,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  if (row.type === "amqp") {
    view.amqp = { exchange: config.exchange, routingKey: config.routingKey ?? "{{trigger}}" };
  } else {
    view.url = config.url;
    view.headers = config.headers ?? {};
  }
  if (row.type === "batch") view.publishIntervalSeconds = config.publishIntervalSeconds;
  if (row.type === "webhook") {
    view.format = config.format ?? "connector";
    view.skipTlsCheck = config.skipTlsCheck ?? false;
    const auth = config.authentication as Record<string, unknown> | undefined;
    if (auth) {
      const { apiKeySealed: _apiKey, clientSecretSealed: _clientSecret, ...visible } = auth;
      view.authentication = visible;
    }
  }
  return view as Static<typeof Destination>;
}
