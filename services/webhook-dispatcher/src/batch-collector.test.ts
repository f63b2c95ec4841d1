import { describe, expect, it } from "vitest";
import { createBatchCollector } from "./batch-collector.ts";

/** A flush that the test finishes by hand, recording every batch it was given. */
function manualFlush() {
  const batches: number[][] = [];
  const finishers: Array<() => void> = [];
  const flush = (items: number[]) => {
    batches.push(items);
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  return { batches, flush, finishNext: () => finishers.shift()?.() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("batch collector", () => {
  it("sends a full batch at once, without waiting", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 3, maxWaitMs: 60_000 });
    for (const item of [1, 2, 3]) collector.add(item);
    await settle();
    expect(manual.batches).toEqual([[1, 2, 3]]);
  });

  it("sends a partial batch after the wait", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 100, maxWaitMs: 1 });
    collector.add(1);
    collector.add(2);
    expect(manual.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(manual.batches).toEqual([[1, 2]]);
  });

  it("never overlaps batches and keeps arrival order, bounded by maxItems", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 2, maxWaitMs: 60_000 });
    for (const item of [1, 2, 3, 4, 5]) collector.add(item);
    await settle();
    expect(manual.batches).toEqual([[1, 2]]);
    manual.finishNext();
    await settle();
    expect(manual.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    collector.add(6);
    manual.finishNext();
    await settle();
    manual.finishNext();
    await settle();
    expect(manual.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it("starts a new batch after an idle pause", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 1, maxWaitMs: 60_000 });
    collector.add(1);
    await settle();
    manual.finishNext();
    await settle();
    collector.add(2);
    await settle();
    expect(manual.batches).toEqual([[1], [2]]);
  });
});

describe("batch collector drain", () => {
  it("sends a waiting batch at once and resolves when the items added before it are flushed", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 100, maxWaitMs: 60_000 });
    collector.add(1);
    collector.add(2);
    let isDrained = false;
    const drained = collector.drain().then(() => (isDrained = true));
    await settle();
    expect(manual.batches).toEqual([[1, 2]]);
    collector.add(3); // after the drain: does not hold it up
    expect(isDrained).toBe(false);
    manual.finishNext();
    await drained;
    expect(isDrained).toBe(true);
  });

  it("waits for the batch in flight and the ones queued behind it, in order", async () => {
    const manual = manualFlush();
    const collector = createBatchCollector(manual.flush, { maxItems: 1, maxWaitMs: 60_000 });
    collector.add(1);
    collector.add(2);
    let isDrained = false;
    const drained = collector.drain().then(() => (isDrained = true));
    manual.finishNext();
    await settle();
    expect(isDrained).toBe(false);
    manual.finishNext();
    await drained;
    expect(manual.batches).toEqual([[1], [2]]);
  });

  it("resolves at once when nothing waits", async () => {
    const collector = createBatchCollector(async () => {}, { maxItems: 10, maxWaitMs: 60_000 });
    await collector.drain();
  });
});
