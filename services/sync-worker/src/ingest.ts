import { createHash, timingSafeEqual } from "node:crypto";
import { AppError, encodeEvent, newId, type HubEvent } from "@event-hub/shared";
import type { Pool } from "pg";
import type { EventPublisher } from "./event-publisher.ts";
import { findIngestCredential } from "./store/connectors.ts";

export type IngestDeps = { db: Pool; publisher: EventPublisher; publishTimeoutMs: number };

export type IngestRequest = {
  connectorId: string;
  credential: string | undefined;
  trigger: string;
  data: unknown;
  correlationId: string | undefined;
};

/**
 * Accepts one event from a Connector's webhooks module. It resolves only once Pub/Sub acknowledged
 * the event: the Connector never retries, so a 2xx must mean the event is safe.
 */
export async function ingestEvent(deps: IngestDeps, request: IngestRequest): Promise<HubEvent> {
  await authenticateConnector(deps.db, request.connectorId, request.credential);
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
  try {
    await deps.publisher.publish(encoded.message, deps.publishTimeoutMs);
  } catch (error) {
    throw new AppError(
      "error.hub.ingest.unavailable",
      `the event could not be stored, send it again: ${(error as Error).message}`,
      503,
    );
  }
  return event;
}

async function authenticateConnector(
  db: Pool,
  connectorId: string,
  credential: string | undefined,
): Promise<void> {
  const row = await findIngestCredential(db, connectorId);
  if (!row) throw new AppError("error.hub.connectorNotFound", `no Connector "${connectorId}"`, 404);
  const presented = createHash("sha256")
    .update(credential ?? "")
    .digest();
  if (!credential || !timingSafeEqual(presented, Buffer.from(row.ingest_key_hash, "hex"))) {
    throw new AppError("error.hub.unauthorized", "the ingest credential is missing or wrong", 401);
  }
}
