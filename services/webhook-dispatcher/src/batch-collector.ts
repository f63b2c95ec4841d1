/** Collects items and hands them to `flush` in batches, one batch at a time, in arrival order. */
export type BatchCollector<T> = { add(item: T): void };

export type BatchCollectorOptions = {
  /** Most items in one batch. */
  maxItems: number;
  /** How long the first item of a batch waits for company before the batch goes alone. */
  maxWaitMs: number;
};

/**
 * A batch goes when it is full or its first item waited `maxWaitMs`. While a batch is being
 * flushed, new items queue up and go as the next batch as soon as it is done: under load batches
 * grow by themselves, idle an item waits at most `maxWaitMs`. Batches never overlap, so items are
 * flushed in exactly the order they were added. `flush` must handle its own errors.
 */
export function createBatchCollector<T>(
  flush: (items: T[]) => Promise<void>,
  options: BatchCollectorOptions,
): BatchCollector<T> {
  const queue: T[] = [];
  let isFlushing = false;
  let timer: NodeJS.Timeout | undefined;

  const flushNext = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    isFlushing = true;
    while (queue.length > 0) await flush(queue.splice(0, options.maxItems));
    isFlushing = false;
  };

  return {
    add(item) {
      queue.push(item);
      if (isFlushing) return; // taken when the running batch is done
      if (queue.length >= options.maxItems) void flushNext();
      else timer ??= setTimeout(() => void flushNext(), options.maxWaitMs);
    },
  };
}
