/** Collects items and hands them to `flush` in batches, one batch at a time, in arrival order. */
export type BatchCollector<T> = {
  add(item: T): void;
  /** Resolves once every item added so far has been flushed; sends a waiting batch now. */
  drain(): Promise<void>;
};

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
  // Items are numbered as they arrive; a drain waits until the flushed count reaches its number, so
  // items added after it never keep it waiting.
  let added = 0;
  let flushed = 0;
  const drains: Array<{ upTo: number; resolve: () => void }> = [];

  const flushNext = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    isFlushing = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, options.maxItems);
      await flush(batch);
      flushed += batch.length;
      for (const drain of drains.filter((d) => d.upTo <= flushed)) {
        drains.splice(drains.indexOf(drain), 1);
        drain.resolve();
      }
    }
    isFlushing = false;
  };

  return {
    add(item) {
      queue.push(item);
      added += 1;
      if (isFlushing) return; // taken when the running batch is done
      if (queue.length >= options.maxItems) void flushNext();
      else timer ??= setTimeout(() => void flushNext(), options.maxWaitMs);
    },
    drain() {
      if (flushed >= added) return Promise.resolve();
      const drained = new Promise<void>((resolve) => drains.push({ upTo: added, resolve }));
      if (!isFlushing) void flushNext();
      return drained;
    },
  };
}
