/**
 * What an independent receiver saw of one request or message: the only evidence the chaos verdict
 * uses besides what ingest answered. `eventId` is the hub's event id (`webhook-id` header, AMQP
 * `message-id`); `dataId` is the id the load put into the event's data.
 */
export type Receipt = {
  eventId: string;
  dataId: string | undefined;
  /** True when the receiver took it (answered 2xx, or the message reached the queue). */
  isAccepted: boolean;
  /** false when a Standard Webhooks signature did not verify; undefined where there is none (AMQP). */
  isSignatureValid?: boolean;
  /** Date.now() when it arrived. */
  atMs: number;
};

/** Where receipts come from: the webhook receiver or the AMQP queue observer. */
export type ReceiptSource = {
  receipts(): readonly Receipt[];
  close(): Promise<void>;
};

/** The data id the load writes into every event's data (`{"chaosDataId": "..."}`). */
export function dataIdOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const id = (data as { chaosDataId?: unknown }).chaosDataId;
  return typeof id === "string" ? id : undefined;
}
