import { createHash, randomBytes } from "node:crypto";
import { AppError, connectorApiKeySealing, newId, type SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Static } from "typebox";
import { assertUnlimited, type ConnectorAccess } from "../auth/connector-access.ts";
import type {
  ConnectorInput as ConnectorInputSchema,
  IngestCredential as IngestCredentialSchema,
} from "../routes/connector-schemas.ts";
import { CONNECTOR_DEFAULTS } from "./connector-defaults.ts";
import { insertConnector, replaceIngestKeyHash, type ConnectorRow } from "./connectors-store.ts";

export type ConnectorInput = Static<typeof ConnectorInputSchema>;

/** What the Connector's webhooks module needs to post its events to the hub. Shown once. */
export type IngestCredential = Static<typeof IngestCredentialSchema>;

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
    api_prefix: input.apiPrefix ?? CONNECTOR_DEFAULTS.apiPrefix,
    api_key_sealed: input.apiKey ? deps.secrets.seal(input.apiKey, connectorApiKeySealing(id)) : null,
    ingest_key_hash: hashIngestKey(ingestKey),
    sync_interval_seconds: input.syncIntervalSeconds ?? CONNECTOR_DEFAULTS.syncIntervalSeconds,
    enabled: input.enabled ?? CONNECTOR_DEFAULTS.enabled,
    automations: {
      autoAcceptPendingRelationships:
        input.automations?.autoAcceptPendingRelationships ??
        CONNECTOR_DEFAULTS.autoAcceptPendingRelationships,
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
