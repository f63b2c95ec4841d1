import { AppError, encodeEvent, newId, type HubEvent } from "@event-hub/shared";
import { acceptEvent, type AcceptedPath, type EventAcceptorDeps } from "./event-acceptor.ts";

export type IngestDeps = EventAcceptorDeps;

/** An event whose Connector and credential were already checked (ingest-auth.ts, before the body). */
export type IngestRequest = {
  connectorId: string;
  trigger: string;
  /** Opaque: published as JSON.stringify gives it, never merged, copied into or interpreted. */
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
