import { createHash, randomBytes } from "node:crypto";
import { AppError, connectorApiKeySealing, newId, type SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import { assertUnlimited, type ConnectorAccess } from "../auth/connector-access.ts";
import { insertConnector, replaceIngestKeyHash, type ConnectorRow } from "./connectors-store.ts";

export type ConnectorInput = {
  id?: string;
  name: string;
  baseUrl: string;
  apiPrefix?: "/api/v2" | "/api/core/v1";
  apiKey?: string;
  syncIntervalSeconds?: number;
  enabled?: boolean;
  automations?: { autoAcceptPendingRelationships?: boolean };
  brokerSubscription?: string;
};

/** What the Connector's webhooks module needs to post its events to the hub. Shown once. */
export type IngestCredential = {
  url: string;
  authentication: { type: "ApiKey"; headerName: string; apiKey: string };
};

const INGEST_HEADER = "x-api-key";

export type RegisterConnectorDeps = { db: Pool; secrets: SecretBox; ingestBaseUrl: string };

export async function registerConnector(
  deps: RegisterConnectorDeps,
  input: ConnectorInput,
  access: ConnectorAccess,
): Promise<{ connector: ConnectorRow; ingest: IngestCredential }> {
  assertUnlimited(access, "register a Connector"); // a new Connector is a new tenant
  const id = input.id ?? newId("con");
  const ingestKey = newIngestKey();
  const connector = await insertConnector(deps.db, {
    id,
    name: input.name,
    base_url: input.baseUrl.replace(/\/+$/, ""),
    api_prefix: input.apiPrefix ?? "/api/v2",
    api_key_sealed: input.apiKey ? deps.secrets.seal(input.apiKey, connectorApiKeySealing(id)) : null,
    ingest_key_hash: hashIngestKey(ingestKey),
    sync_interval_seconds: input.syncIntervalSeconds ?? 60,
    enabled: input.enabled ?? true,
    automations: {
      autoAcceptPendingRelationships: input.automations?.autoAcceptPendingRelationships ?? false,
    },
    broker_subscription: input.brokerSubscription ?? null,
  });
  if (!connector) throw new AppError("error.hub.connectorExists", `a Connector with id "${id}" exists`, 409);
  return { connector, ingest: ingestCredential(deps.ingestBaseUrl, id, ingestKey) };
}

/** Issues a new ingest credential; the old one stops working at once. */
export async function rotateIngestCredential(
  deps: RegisterConnectorDeps,
  id: string,
  access: ConnectorAccess,
): Promise<IngestCredential> {
  const ingestKey = newIngestKey();
  const found = await replaceIngestKeyHash(deps.db, id, hashIngestKey(ingestKey), access);
  if (!found) throw new AppError("error.hub.connectorNotFound", `no Connector "${id}"`, 404);
  return ingestCredential(deps.ingestBaseUrl, id, ingestKey);
}

function newIngestKey(): string {
  return `ingk_${randomBytes(24).toString("base64url")}`;
}

/** Stored as SHA-256 only: the key has 192 random bits, so no slow hash is needed. */
function hashIngestKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function ingestCredential(baseUrl: string, id: string, apiKey: string): IngestCredential {
  return {
    url: `${baseUrl.replace(/\/+$/, "")}/v1/ingest/${encodeURIComponent(id)}`,
    authentication: { type: "ApiKey", headerName: INGEST_HEADER, apiKey },
  };
}
