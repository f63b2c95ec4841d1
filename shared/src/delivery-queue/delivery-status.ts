/**
 * A delivery's life: `pending` until it is delivered, fails for good (`failed`), or is set aside
 * (`parked`: its destination was disabled, or a batch cannot carry it). Only `pending` is claimed.
 */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "parked"] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
