import type { SentEvent } from "./ingest-load.ts";
import type { Receipt } from "./receipt.ts";

/**
 * The verdict's arithmetic, pure: what ingest accepted (2xx, with an event id) against what the
 * independent receiver took (2xx-answered requests, queued messages), matched twice — by event id
 * (`webhook-id` / `message-id`) and by the data id the load put in each event — so that an event
 * delivered under the wrong id, or with the wrong data, cannot pass for delivered.
 */

export type Reconciliation = {
  sent: number;
  /** Events ingest did not answer 2xx (a Connector does not retry them; not counted as lost). */
  ingestRefused: number;
  accepted: number;
  /** Accepted events the receiver took at least once, by event id. */
  delivered: number;
  /** Accepted events the receiver never took, by event id. */
  lost: number;
  /** Accepted data ids never taken under any event id; more than `lost` means mixed-up data. */
  lostByDataId: number;
  /** Receipts beyond the first per event id. */
  duplicates: number;
  /** Event ids the receiver took whose data id is not the one the load sent with it. */
  dataMismatches: number;
  /** Event ids the receiver took that ingest never answered 2xx with (e.g. accepted after a timeout). */
  deliveredNotAccepted: number;
  /** Receipts whose Standard Webhooks signature did not verify. */
  invalidSignatures: number;
  /** Up to 20 lost data ids, to look them up. */
  lostDataIds: string[];
  /** Every lost event (by event id), for loss-evidence.ts. */
  lostEvents: Array<{ eventId: string; dataId: string }>;
  /** Every accepted data id never taken under any event id. */
  missingDataIds: string[];
  /** When the last accepted event was first taken (Date.now()); undefined while any is lost. */
  lastFirstReceiptAtMs: number | undefined;
  /** When the last delivered accepted event was first taken, lost ones or not; undefined when none was. */
  lastDeliveredFirstReceiptAtMs: number | undefined;
};

export function reconcile(sent: readonly SentEvent[], receipts: readonly Receipt[]): Reconciliation {
  const dataIdByEventId = new Map<string, string>();
  for (const event of sent) if (event.eventId) dataIdByEventId.set(event.eventId, event.dataId);
  const taken = receipts.filter((receipt) => receipt.isAccepted);
  const firstAtByEventId = new Map<string, number>();
  const takenDataIds = new Set<string>();
  let dataMismatches = 0;
  for (const receipt of taken) {
    if (!firstAtByEventId.has(receipt.eventId)) firstAtByEventId.set(receipt.eventId, receipt.atMs);
    if (receipt.dataId !== undefined) takenDataIds.add(receipt.dataId);
    const expected = dataIdByEventId.get(receipt.eventId);
    if (expected !== undefined && receipt.dataId !== expected) dataMismatches += 1;
  }
  const lostEvents = [...dataIdByEventId].filter(([eventId]) => !firstAtByEventId.has(eventId));
  const lostByDataId = [...dataIdByEventId.values()].filter((dataId) => !takenDataIds.has(dataId));
  const firstTimes = [...dataIdByEventId.keys()].map((eventId) => firstAtByEventId.get(eventId) ?? 0);
  const deliveredTimes = firstTimes.filter((atMs) => atMs > 0);
  return {
    sent: sent.length,
    ingestRefused: sent.length - dataIdByEventId.size,
    accepted: dataIdByEventId.size,
    delivered: dataIdByEventId.size - lostEvents.length,
    lost: lostEvents.length,
    lostByDataId: lostByDataId.length,
    duplicates: taken.length - firstAtByEventId.size,
    dataMismatches,
    deliveredNotAccepted: [...firstAtByEventId.keys()].filter((id) => !dataIdByEventId.has(id)).length,
    invalidSignatures: receipts.filter((receipt) => receipt.isSignatureValid === false).length,
    lostDataIds: lostEvents.slice(0, 20).map(([, dataId]) => dataId),
    lostEvents: lostEvents.map(([eventId, dataId]) => ({ eventId, dataId })),
    missingDataIds: lostByDataId,
    lastFirstReceiptAtMs:
      lostEvents.length === 0 && firstTimes.length > 0 ? Math.max(...firstTimes) : undefined,
    lastDeliveredFirstReceiptAtMs: deliveredTimes.length > 0 ? Math.max(...deliveredTimes) : undefined,
  };
}

/** True when nothing ingest accepted is missing, by event id and by data id. */
export function isLossFree(reconciliation: Reconciliation): boolean {
  return reconciliation.lost === 0 && reconciliation.lostByDataId === 0;
}
