import { AppError, connectorApiKeySealing, withTransaction, type SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Static } from "typebox";
import type { ConnectorPatch as ConnectorPatchSchema } from "../routes/connector-schemas.ts";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import {
  findConnector,
  requestSync,
  updateConnector as updateConnectorRow,
  type ConnectorChanges,
  type ConnectorRow,
} from "./connectors-store.ts";

/** The PATCH body; an `apiKey` of null removes the stored key. */
export type ConnectorPatch = Static<typeof ConnectorPatchSchema>;

/** Applies a PATCH; the Connector's API key is sealed, never stored or returned in clear. */
export async function updateConnector(
  deps: { db: Pool; secrets: SecretBox },
  id: string,
  patch: ConnectorPatch,
  access: ConnectorAccess,
): Promise<ConnectorRow> {
  const current = await findConnector(deps.db, id, access);
  if (!current) throw connectorNotFound(id);
  requireKeyWithNewAddress(current, patch);
  const changes: ConnectorChanges = {
    name: patch.name,
    base_url: patch.baseUrl?.replace(/\/+$/, ""),
    api_prefix: patch.apiPrefix,
    api_key_sealed:
      patch.apiKey === undefined
        ? undefined
        : patch.apiKey === null
          ? null
          : deps.secrets.seal(patch.apiKey, connectorApiKeySealing(id)),
    sync_interval_seconds: patch.syncIntervalSeconds,
    enabled: patch.enabled,
    automations: patch.automations ? { ...current.automations, ...patch.automations } : undefined,
    broker_subscription: patch.brokerSubscription,
  };
  const updated = await updateConnectorRow(deps.db, id, changes, access);
  if (!updated) throw connectorNotFound(id);
  return updated;
}

/**
 * A new baseUrl must come with the Connector's key (or null to drop it): otherwise a key allowed to
 * write Connectors could point one at its own server and receive the stored key with the next sync.
 */
function requireKeyWithNewAddress(current: ConnectorRow, patch: ConnectorPatch): void {
  const baseUrl = patch.baseUrl?.replace(/\/+$/, "");
  if (baseUrl === undefined || baseUrl === current.base_url || patch.apiKey !== undefined) return;
  throw new AppError(
    "error.hub.validation",
    "body/apiKey is required when body/baseUrl changes: the Connector's API key is never sent to a new address without it",
    400,
  );
}

/** "Sync now": recorded in connector_sync_state and announced to sync-worker with NOTIFY. */
export async function requestConnectorSync(db: Pool, id: string, access: ConnectorAccess): Promise<Date> {
  if (!(await findConnector(db, id, access))) throw connectorNotFound(id);
  return withTransaction(db, (client) => requestSync(client, id));
}

export function connectorNotFound(id: string): AppError {
  return new AppError("error.hub.connectorNotFound", `no Connector "${id}"`, 404);
}
