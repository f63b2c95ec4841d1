import type { EncodedEvent } from "@event-hub/shared";

/** Sends one Publish RPC with these messages; resolves with their message ids, in the same order. */
export type PublishRpc = (messages: EncodedEvent[]) => Promise<string[]>;

export type PublishBatchingOptions = {
  /** The most messages in one RPC (the Pub/Sub API takes at most 1,000). */
  maxMessages: number;
  /** The most bytes (data + attributes + ordering key) in one RPC; a larger message still goes alone. */
  maxBytes: number;
  /** How long the first waiting message may wait for company before its batch is sent. */
  maxMilliseconds: number;
  /** Publish RPCs in flight at once; messages that arrive meanwhile wait and form the next batch. */
  maxOutstanding: number;
};

export type PublishBatcher = {
  /** Resolves with the message id once Pub/Sub acknowledged the RPC that carried the message. */
  publish(message: EncodedEvent): Promise<string>;
  /** Settles once every message handed in so far is acknowledged or failed. */
  flush(): Promise<void>;
};

type Waiting = {
  message: EncodedEvent;
  bytes: number;
  resolve: (messageId: string) => void;
  reject: (error: unknown) => void;
};

/**
 * Batches messages of every ordering key into shared Publish RPCs. The client library batches per
 * ordering key, so with many Connectors nearly every event cost an RPC of its own (gRPC call on our
 * side, request handling on Pub/Sub's); here one RPC carries the events of many Connectors.
 *
 * Each Connector's order still holds: messages of a key go in the order they were handed in, and a
 * key is in at most one RPC at a time (its later messages wait for that RPC's answer). When an RPC
 * fails, the waiting messages of its keys fail with it, as the client library's paused ordering key
 * does: they must not overtake the failed ones, which the caller stores in the outbox.
 */
export function createPublishBatcher(rpc: PublishRpc, options: PublishBatchingOptions): PublishBatcher {
  let waiting: Waiting[] = [];
  const keysInFlight = new Set<string>();
  let rpcsInFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let idle: Array<() => void> = [];

  const schedule = () => {
    if (waiting.length === 0 || rpcsInFlight >= options.maxOutstanding) return;
    if (waiting.length >= options.maxMessages && countSendable() >= options.maxMessages) {
      return void sendNext();
    }
    timer ??= setTimeout(sendNext, options.maxMilliseconds);
  };

  // Cheap in the common case: stops counting once a full batch is there.
  const countSendable = () => {
    let count = 0;
    for (const entry of waiting) {
      if (!keysInFlight.has(entry.message.orderingKey) && ++count >= options.maxMessages) break;
    }
    return count;
  };

  const sendNext = () => {
    clearTimeout(timer);
    timer = undefined;
    while (rpcsInFlight < options.maxOutstanding) {
      const batch = takeBatch();
      if (batch.length === 0) break;
      void send(batch);
    }
    schedule();
    notifyIfIdle();
  };

  /** The oldest waiting messages whose keys are not in flight, in order, within the limits. */
  const takeBatch = (): Waiting[] => {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const batchKeys = new Set<string>();
    let bytes = 0;
    let isFull = false;
    for (const entry of waiting) {
      const key = entry.message.orderingKey;
      const fits =
        batch.length < options.maxMessages && (batch.length === 0 || bytes + entry.bytes <= options.maxBytes);
      if (!isFull && !keysInFlight.has(key) && fits) {
        batch.push(entry);
        batchKeys.add(key);
        bytes += entry.bytes;
      } else {
        // Once one message of a key stays behind, so do its later ones (a batch that is full stays full).
        if (!keysInFlight.has(key) && !fits) isFull = true;
        rest.push(entry);
      }
    }
    waiting = rest;
    for (const key of batchKeys) keysInFlight.add(key);
    return batch;
  };

  const send = async (batch: Waiting[]) => {
    rpcsInFlight++;
    const keys = new Set(batch.map((entry) => entry.message.orderingKey));
    try {
      const ids = await rpc(batch.map((entry) => entry.message));
      batch.forEach((entry, i) => {
        const id = ids[i];
        if (id === undefined) entry.reject(new Error("Pub/Sub answered without a message id"));
        else entry.resolve(id);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      failWaiting(keys, error);
    } finally {
      rpcsInFlight--;
      for (const key of keys) keysInFlight.delete(key);
      sendNext();
    }
  };

  const failWaiting = (keys: Set<string>, error: unknown) => {
    const failed = waiting.filter((entry) => keys.has(entry.message.orderingKey));
    waiting = waiting.filter((entry) => !keys.has(entry.message.orderingKey));
    for (const entry of failed) entry.reject(error);
  };

  const notifyIfIdle = () => {
    if (waiting.length > 0 || rpcsInFlight > 0) return;
    const waiters = idle;
    idle = [];
    for (const resolve of waiters) resolve();
  };

  return {
    publish(message) {
      return new Promise<string>((resolve, reject) => {
        waiting.push({ message, bytes: messageBytes(message), resolve, reject });
        schedule();
      });
    },
    flush() {
      if (waiting.length === 0 && rpcsInFlight === 0) return Promise.resolve();
      const drained = new Promise<void>((resolve) => idle.push(resolve));
      sendNext();
      return drained;
    },
  };
}

function messageBytes(message: EncodedEvent): number {
  let bytes = message.data.length + Buffer.byteLength(message.orderingKey);
  for (const key in message.attributes) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(message.attributes[key] ?? "");
  }
  return bytes;
}
