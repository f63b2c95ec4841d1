import {
  AppError,
  findDelivery,
  requeueDelivery,
  requeueFailedDeliveries,
  withTransaction,
  type DeliveryRow,
} from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import { findDestination } from "../webhooks/destinations-store.ts";

/**
 * Resend and recover: use cases over the delivery queue's requeues (due now, the whole retry
 * schedule again, the dispatcher woken). Each takes the caller's ConnectorAccess: what lies beyond
 * it is "not found" and is never re-queued.
 */

export async function resendDelivery(db: Pool, id: string, access: ConnectorAccess): Promise<DeliveryRow> {
  return withTransaction(db, async (client) => {
    const requeued = await requeueDelivery(client, id, access);
    if (requeued) return requeued;
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
  const requeued = await requeueFailedDeliveries(db, { destinationId, ...window }, access);
  return { requeued, limitReached: requeued === window.limit };
}
