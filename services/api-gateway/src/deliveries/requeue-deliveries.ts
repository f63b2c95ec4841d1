import {
  AppError,
  findDelivery,
  createMissingDeliveries,
  requeueDelivery,
  requeueStoppedDeliveries,
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

/** What one recover did: re-queued by former status, and created for events the destination missed. */
export type Recovered = {
  requeuedFailed: number;
  requeuedParked: number;
  created: number;
  limitReached: boolean;
};

/**
 * Recover, one call: re-queues the destination's failed and parked deliveries created in the window,
 * then creates the deliveries of events in the window it missed while disabled — at most `limit` in
 * all. The destination row is locked meanwhile, so two recovers never interleave. It works on a
 * disabled destination too: what it queues waits, pending, until the destination is enabled.
 */
export async function recoverDeliveries(
  db: Pool,
  destinationId: string,
  window: RecoverWindow,
  access: ConnectorAccess,
): Promise<Recovered> {
  if (window.until <= window.since) {
    throw new AppError("error.hub.validation", "body/until must be after body/since", 400);
  }
  return withTransaction(db, async (client) => {
    if (!(await findDestination(client, destinationId, access, "forUpdate"))) {
      throw new AppError("error.hub.webhookNotFound", `no webhook "${destinationId}"`, 404);
    }
    const scoped = { destinationId, ...window };
    const requeued = await requeueStoppedDeliveries(client, scoped, access);
    const left = window.limit - requeued.failed - requeued.parked;
    const created = left > 0 ? await createMissingDeliveries(client, { ...scoped, limit: left }, access) : 0;
    return {
      requeuedFailed: requeued.failed,
      requeuedParked: requeued.parked,
      created,
      limitReached: left - created === 0,
    };
  });
}
