import type { ClaimedDelivery } from "@event-hub/shared";

/** One claimed delivery with fixed ids and data, for the tests that turn a delivery into a request. */
export function claimedDelivery(overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery {
  return {
    id: "dlv_01JABCDEFGHJKMNPQRSTVWXYZ0",
    leaseToken: "00000000-0000-4000-8000-000000000000",
    eventId: "evt_01JABCDEFGHJKMNPQRSTVWXYZ0",
    destinationId: "whk_01JABCDEFGHJKMNPQRSTVWXYZ0",
    connectorId: "acme",
    attemptCount: 0,
    scheduleOffset: 0,
    trigger: "transport.messageReceived",
    dataText: '{"id":"MSG1", "content":{"b":1,"a":2}}',
    correlationId: "corr-1",
    occurredAt: new Date("2026-01-01T00:00:00Z"),
    ...overrides,
  };
}
