import { AppError, compileTriggerPattern, newId, withTransaction } from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "./auth/connector-access.ts";
import { findEvent } from "./store/events.ts";
import {
  findDelivery,
  notifyDeliveriesDue,
  requeueDelivery,
  requeueFailedDeliveries,
  upsertDeliveries,
  type DeliveryRow,
} from "./store/deliveries.ts";
import { findDestination, listEnabledDestinationsFor } from "./webhooks/destinations-store.ts";

/**
 * Resend, recover and redeliver all go the dispatcher's normal way: the delivery row becomes due
 * now (with the whole retry schedule again) and NOTIFY deliveries_due wakes a worker. Each takes
 * the caller's ConnectorAccess: what lies beyond it is "not found" and is never re-queued.
 */

export async function resendDelivery(db: Pool, id: string, access: ConnectorAccess): Promise<DeliveryRow> {
  return withTransaction(db, async (client) => {
    const requeued = await requeueDelivery(client, id, access);
    if (requeued) {
      await notifyDeliveriesDue(client);
      return requeued;
    }
    if (!(await findDelivery(client, id, access))) {
      throw new AppError("error.hub.deliveryNotFound", `no delivery "${id}"`, 404);
    }
    throw new AppError("error.hub.deliveryPending", `delivery "${id}" is still pending`, 409);
  });
}

export type RecoverWindow = { since: Date; until: Date; limit: number };

/** Re-queues the destination's failed deliveries in the window, at most `limit`; reports how many. */
export async function recoverFailedDeliveries(
  db: Pool,
  destinationId: string,
  window: RecoverWindow,
  access: ConnectorAccess,
): Promise<{ requeued: number; limitReached: boolean }> {
  if (window.until <= window.since) {
    throw new AppError("error.hub.validation", "body/until must be after body/since", 400);
  }
  if (!(await findDestination(db, destinationId, access))) {
    throw new AppError("error.hub.webhookNotFound", `no webhook "${destinationId}"`, 404);
  }
  const requeued = await withTransaction(db, async (client) => {
    const count = await requeueFailedDeliveries(client, { destinationId, ...window }, access);
    if (count > 0) await notifyDeliveriesDue(client);
    return count;
  });
  return { requeued, limitReached: requeued === window.limit };
}

/**
 * Delivers a stored event again: to the named destinations, or to every enabled destination whose
 * triggers and Connector scope match it now.
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
  const deliveryIds = await withTransaction(db, async (client) => {
    const ids = await upsertDeliveries(
      client,
      targets.map((destinationId) => ({
        id: newId("dlv"),
        eventId,
        destinationId,
        connectorId: event.connector_id,
      })),
      access,
    );
    if (ids.length > 0) await notifyDeliveriesDue(client);
    return ids;
  });
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
