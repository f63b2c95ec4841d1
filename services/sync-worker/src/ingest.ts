import { createHash, timingSafeEqual } from "node:crypto";
import { AppError, encodeEvent, newId, type HubEvent } from "@event-hub/shared";
import type { ConnectorRegistry } from "./connector-registry.ts";
import { acceptEvent, type AcceptedPath, type EventAcceptorDeps } from "./event-acceptor.ts";
import { findIngestCredential } from "./store/connectors.ts";

export type IngestDeps = EventAcceptorDeps & { registry: ConnectorRegistry };

export type IngestRequest = {
  connectorId: string;
  credential: string | undefined;
  trigger: string;
  data: unknown;
  correlationId: string | undefined;
};

/**
 * Accepts one event from a Connector's webhooks module. It resolves only once the event is safe
 * (acked by Pub/Sub or committed to the outbox): the Connector never retries, so a 2xx must mean safe.
 */
export async function ingestEvent(
  deps: IngestDeps,
  request: IngestRequest,
): Promise<{ event: HubEvent; path: AcceptedPath }> {
  await authenticateConnector(deps, request.connectorId, request.credential);
  const event: HubEvent = {
    id: newId("evt"),
    trigger: request.trigger,
    data: request.data ?? {},
    connectorId: request.connectorId,
    time: new Date().toISOString(),
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  };
  const encoded = encodeEvent(event);
  if (!encoded.ok) {
    throw encoded.kind === "limit"
      ? new AppError("error.hub.ingest.eventTooLarge", encoded.reason, 413)
      : new AppError("error.hub.validation", encoded.reason, 400);
  }
  const path = await acceptEvent(deps, { ...event, message: encoded.message });
  return { event, path };
}

async function authenticateConnector(
  deps: IngestDeps,
  connectorId: string,
  credential: string | undefined,
): Promise<void> {
  const storedHash = await lookUpIngestKeyHash(deps, connectorId);
  if (storedHash === undefined) {
    throw new AppError("error.hub.connectorNotFound", `no Connector "${connectorId}"`, 404);
  }
  const presented = createHash("sha256")
    .update(credential ?? "")
    .digest();
  if (!credential || !timingSafeEqual(presented, Buffer.from(storedHash, "hex"))) {
    throw new AppError("error.hub.unauthorized", "the ingest credential is missing or wrong", 401);
  }
}

/** Postgres first; its last known copy only when Postgres does not answer. */
async function lookUpIngestKeyHash(deps: IngestDeps, connectorId: string): Promise<string | undefined> {
  try {
    return (await findIngestCredential(deps.db, connectorId))?.ingest_key_hash;
  } catch (error) {
    const known = deps.registry.ingestKeyHash(connectorId);
    if (known !== undefined) return known;
    deps.logger.error(
      { err: error, connectorId },
      "cannot check the ingest credential: Postgres unavailable",
    );
    throw new AppError(
      "error.hub.ingest.unavailable",
      "the ingest credential cannot be checked right now; send the event again",
      503,
    );
  }
}
