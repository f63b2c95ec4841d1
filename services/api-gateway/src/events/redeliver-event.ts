import { AppError, compileTriggerPattern, findEvent, newId, requeueEventDeliveries } from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import { findDestination, listEnabledDestinationsFor } from "../webhooks/destinations-store.ts";

/**
 * Delivers a stored event again: to the named destinations, or to every enabled destination whose
 * triggers and Connector scope match it now. Beyond the caller's ConnectorAccess nothing is found or
 * re-queued.
 */
export async function redeliverEvent(
  db: Pool,
  eventId: string,
  destinationIds: string[] | undefined,
  access: ConnectorAccess,
): Promise<{ deliveryIds: string[] }> {
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
  return { deliveryIds };
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
