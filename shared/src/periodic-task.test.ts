import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPeriodicTask } from "./periodic-task.ts";

describe("createPeriodicTask", () => {
  const logger = { warn: vi.fn() };
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    logger.warn.mockReset();
  });

  /** A pass that stays open until the test ends it. */
  const controllablePass = () => {
    const ends: (() => void)[] = [];
    const run = vi.fn(() => new Promise<void>((resolve) => ends.push(resolve)));
    return { run, endPass: () => ends.shift()?.() };
  };

  it("runs at once, then every interval after the previous pass ended", async () => {
    const run = vi.fn(async () => undefined);
    const task = createPeriodicTask({ name: "t", intervalMs: 1000, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it("never overlaps passes: the interval counts from a slow pass's end", async () => {
    const { run, endPass } = controllablePass();
    const task = createPeriodicTask({ name: "t", intervalMs: 100, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(1);
    endPass();
    await vi.advanceTimersByTimeAsync(99);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    endPass();
    await task.stop();
  });

  it("logs a failed pass and goes on", async () => {
    const run = vi.fn().mockRejectedValueOnce(new Error("boom")).mockResolvedValue(undefined);
    const task = createPeriodicTask({ name: "relay pass", intervalMs: 10, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(logger.warn).toHaveBeenCalledWith({ err: new Error("boom") }, "relay pass failed");
    expect(run).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it("wake runs the next pass now, or right after the running one", async () => {
    const { run, endPass } = controllablePass();
    const task = createPeriodicTask({ name: "t", intervalMs: 60_000, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    task.wake(); // while the first pass runs
    expect(run).toHaveBeenCalledTimes(1);
    endPass();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    endPass();
    await vi.advanceTimersByTimeAsync(0);
    task.wake(); // while idle
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(3);
    endPass();
    await task.stop();
  });

  it("stop waits for the running pass and no pass follows", async () => {
    const { run, endPass } = controllablePass();
    const task = createPeriodicTask({ name: "t", intervalMs: 10, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    let isStopped = false;
    const stopping = task.stop().then(() => (isStopped = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(isStopped).toBe(false);
    endPass();
    await stopping;
    task.wake();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("waits firstPassInMs before the first pass when asked", async () => {
    const run = vi.fn(async () => undefined);
    const task = createPeriodicTask({ name: "t", intervalMs: 1000, firstPassInMs: 1000, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await task.stop();
  });

  it("stop before start and twice is harmless", async () => {
    const task = createPeriodicTask({ name: "t", intervalMs: 10, run: async () => undefined, logger });
    await task.stop();
    await task.stop();
  });
});
