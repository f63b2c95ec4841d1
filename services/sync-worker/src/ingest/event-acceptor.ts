import { AppError, boundedTriggerLabel, type EncodedEvent } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { EventPublisher } from "./event-publisher.ts";
import type { SyncWorkerMetrics } from "../metrics.ts";
import type { OutboxBacklog } from "../outbox/outbox-backlog.ts";
import { insertOutboxEvent } from "../outbox/outbox-store.ts";

export type AcceptedPath = "pubsub" | "outbox";

export type EventAcceptorDeps = {
  db: Pool;
  publisher: EventPublisher;
  publishTimeoutMs: number;
  backlog: OutboxBacklog;
  metrics: SyncWorkerMetrics;
  logger: Logger;
};

export type AcceptableEvent = { id: string; connectorId: string; trigger: string; message: EncodedEvent };

/**
 * Makes an event safe before anyone is told so: published and acked by Pub/Sub, or — when Pub/Sub
 * fails, times out, or older events of the Connector still wait — committed to the outbox. When
 * neither takes it, a 503 the sender sees (the Connector's webhooks module never retries).
 */
export async function acceptEvent(deps: EventAcceptorDeps, event: AcceptableEvent): Promise<AcceptedPath> {
  let publishError: unknown;
  // While publishing is held (a required subscription is missing) the event goes to the outbox
  // without a try: publishing it would drop it.
  if (!deps.backlog.has(event.connectorId) && deps.publisher.holdReason() === undefined) {
    const startedAt = performance.now();
    try {
      const messageId = await deps.publisher.publish(event.message, deps.publishTimeoutMs);
      deps.metrics.publishSeconds.observe({ path: "ingest" }, (performance.now() - startedAt) / 1000);
      // Per event, so only at debug: which events Pub/Sub acked, and when (make chaos's loss evidence).
      deps.logger.debug({ eventId: event.id, messageId, publishedVia: "ingest" }, "event acked by Pub/Sub");
      count(deps, event, "pubsub");
      return "pubsub";
    } catch (error) {
      publishError = error;
    }
  }
  // Marked before the write: later events of this Connector must queue behind this one.
  deps.backlog.mark(event.connectorId);
  try {
    await insertOutboxEvent(deps.db, event.id, event.connectorId, event.message);
  } catch (error) {
    deps.logger.error(
      { err: error, publishError, eventId: event.id, connectorId: event.connectorId },
      "event neither published nor stored in the outbox",
    );
    throw new AppError(
      "error.hub.ingest.unavailable",
      "the event could not be published or stored; send it again",
      503,
    );
  }
  if (publishError) {
    deps.logger.warn(
      { err: publishError, eventId: event.id, connectorId: event.connectorId },
      "Pub/Sub did not take the event; stored in the outbox",
    );
  } else {
    deps.logger.debug({ eventId: event.id, connectorId: event.connectorId }, "event stored in the outbox");
  }
  count(deps, event, "outbox");
  return "outbox";
}

function count(deps: EventAcceptorDeps, event: AcceptableEvent, path: AcceptedPath): void {
  // Triggers are the Connector's (and its peers') to choose: unknown ones share one `other` series.
  const trigger = boundedTriggerLabel(event.trigger);
  deps.metrics.eventsIngested.inc({ trigger, connector: event.connectorId, path });
}
