import {
  AppError,
  compileTriggerPattern,
  findEvent,
  listDeliveriesOfEvent,
  newId,
  requeueEventDeliveries,
} from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import { findDestination, listEnabledDestinationsFor } from "../webhooks/destinations-store.ts";

/** A delivery a redeliver left alone, and why. */
export type SkippedDelivery = { deliveryId: string; destinationId: string; reason: "still_pending" };

export type Redelivery = { deliveryIds: string[]; skipped: SkippedDelivery[] };

/**
 * Delivers a stored event again: to the named destinations, or to every enabled destination whose
 * triggers and Connector scope match it now. A delivery still pending is not re-queued (it is
 * attempted on its own schedule) and is named in `skipped`; when that leaves nothing re-queued the
 * answer is a 409 naming them, as a resend of a pending delivery is. Beyond the caller's
 * ConnectorAccess nothing is found or re-queued.
 */
export async function redeliverEvent(
  db: Pool,
  eventId: string,
  destinationIds: string[] | undefined,
  access: ConnectorAccess,
): Promise<Redelivery> {
  const event = await findEvent(db, eventId, access);
  if (!event) throw new AppError("error.hub.eventNotFound", `no event "${eventId}"`, 404);
  const targets =
    destinationIds ?? (await matchingDestinations(db, event.connector_id, event.trigger, access));
  for (const [i, id] of (destinationIds ?? []).entries()) {
    if (!(await findDestination(db, id, access))) {
      throw new AppError("error.hub.webhookNotFound", `body/destinationIds/${i}: no webhook "${id}"`, 404);
    }
  }
  const deliveryIds = await requeueEventDeliveries(
    db,
    targets.map((destinationId) => ({
      id: newId("dlv"),
      eventId,
      destinationId,
      connectorId: event.connector_id,
    })),
    access,
  );
  const skipped = await notRequeued(db, eventId, targets, deliveryIds, access);
  if (deliveryIds.length === 0 && skipped.length > 0) {
    throw new AppError(
      "error.hub.deliveriesStillPending",
      `every delivery of event "${eventId}" to these destinations is still pending (${skipped
        .map((s) => s.deliveryId)
        .join(", ")}): each is attempted on its own schedule; redeliver once it has finished`,
      409,
    );
  }
  return { deliveryIds, skipped };
}

/** The targets' deliveries the requeue left alone: it re-queues every one but a pending one. */
async function notRequeued(
  db: Pool,
  eventId: string,
  targets: readonly string[],
  requeued: readonly string[],
  access: ConnectorAccess,
): Promise<SkippedDelivery[]> {
  const deliveries = await listDeliveriesOfEvent(db, eventId, access);
  return deliveries
    .filter((row) => targets.includes(row.destination_id) && !requeued.includes(row.id))
    .map((row) => ({ deliveryId: row.id, destinationId: row.destination_id, reason: "still_pending" }));
}

async function matchingDestinations(
  db: Pool,
  connectorId: string,
  trigger: string,
  access: ConnectorAccess,
): Promise<string[]> {
  const candidates = await listEnabledDestinationsFor(db, connectorId, access);
  return candidates
    .filter((row) => row.triggers.some((pattern) => compileTriggerPattern(pattern)(trigger)))
    .map((row) => row.id);
}
