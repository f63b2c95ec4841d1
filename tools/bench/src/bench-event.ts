import { encodeEvent, newId, type EncodedEvent } from "@event-hub/shared";

/**
 * The event every phase sends: `transport.messageReceived` with about 1 KB of data, as the old
 * benches and the figures used. `ingestBody` is what a Connector posts; `encodedEvent` is
 * what sync-worker publishes for it (for phases that publish straight to the topic).
 */

export const BENCH_TRIGGER = "transport.messageReceived";
export const BENCH_DATA_BLOB = "x".repeat(1000);

/** The Connector's POST body; `seq` makes each one distinct. */
export function ingestBody(seq: number): string {
  return `{"trigger":"${BENCH_TRIGGER}","data":{"seq":${seq},"blob":"${BENCH_DATA_BLOB}"}}`;
}

export function encodedEvent(connectorId: string, seq: number): EncodedEvent {
  const result = encodeEvent({
    id: newId("evt"),
    connectorId,
    trigger: BENCH_TRIGGER,
    data: { seq, blob: BENCH_DATA_BLOB },
    time: new Date().toISOString(),
  });
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}
