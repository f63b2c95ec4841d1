import { afterEach, describe, expect, it, vi } from "vitest";
import { createShutdown, onSignals } from "./shutdown.ts";
import type { ShutdownLogger } from "./shutdown.ts";

function fakeLogger() {
  const entries: { level: "info" | "error"; message: string; details: Record<string, unknown> }[] = [];
  const logger: ShutdownLogger = {
    info: (details, message) => entries.push({ level: "info", message, details: { ...details } }),
    error: (details, message) => entries.push({ level: "error", message, details: { ...details } }),
  };
  return { logger, entries };
}

const never = () => new Promise<void>(() => {});

afterEach(() => {
  vi.useRealTimers();
});

describe("createShutdown", () => {
  it("runs the steps in the order added, awaiting each", async () => {
    const { logger } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 1000 });
    const order: string[] = [];
    shutdown.add("stop accepting", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push("stop accepting");
    });
    shutdown.add("drain", () => {
      order.push("drain");
    });
    shutdown.add("close pools", async () => {
      order.push("close pools");
    });
    await shutdown.run("test");
    expect(order).toEqual(["stop accepting", "drain", "close pools"]);
  });

  it("cuts off a hanging step at its timeout and still runs the next", async () => {
    vi.useFakeTimers();
    const { logger, entries } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 8000 });
    const closed = vi.fn();
    shutdown.add("close subscription", never, { timeoutMs: 3000 });
    shutdown.add("close pool", closed);
    const done = shutdown.run("SIGTERM");
    await vi.advanceTimersByTimeAsync(2999);
    expect(closed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(closed).toHaveBeenCalledOnce();
    expect(entries).toContainEqual({
      level: "error",
      message: "shutdown step timed out",
      details: { step: "close subscription", timeoutMs: 3000 },
    });
  });

  it("keeps the whole run within timeoutMs", async () => {
    vi.useFakeTimers();
    const { logger } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 8000 });
    shutdown.add("hangs", never);
    shutdown.add("hangs too", never);
    let finished = false;
    void shutdown.run("SIGTERM").then(() => {
      finished = true;
    });
    await vi.advanceTimersByTimeAsync(7999);
    expect(finished).toBe(false);
    // The first step used up the budget; the second starts with none left and is cut off at once
    // (a 0 ms timer fires after 1 ms).
    await vi.advanceTimersByTimeAsync(2);
    expect(finished).toBe(true);
  });

  it("logs a failing step and goes on, whether it throws or rejects", async () => {
    const { logger, entries } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 1000 });
    const last = vi.fn();
    shutdown.add("throws", () => {
      throw new Error("boom");
    });
    shutdown.add("rejects", () => Promise.reject(new Error("bang")));
    shutdown.add("last", last);
    await expect(shutdown.run("test")).resolves.toBeUndefined();
    expect(last).toHaveBeenCalledOnce();
    const failures = entries.filter((entry) => entry.message === "shutdown step failed");
    expect(failures.map((entry) => [entry.details.step, (entry.details.err as Error).message])).toEqual([
      ["throws", "boom"],
      ["rejects", "bang"],
    ]);
  });

  it("runs once: a second run returns the same promise", async () => {
    const { logger } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 1000 });
    const step = vi.fn();
    shutdown.add("step", step);
    expect(shutdown.isShuttingDown()).toBe(false);
    const first = shutdown.run("SIGTERM");
    expect(shutdown.isShuttingDown()).toBe(true);
    expect(shutdown.run("SIGINT")).toBe(first);
    await first;
    expect(step).toHaveBeenCalledOnce();
  });
});

describe("onSignals", () => {
  it("runs the shutdown on SIGTERM, then exits 0", async () => {
    const { logger } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 1000 });
    const step = vi.fn();
    shutdown.add("step", step);
    const exit = vi.fn();
    const remove = onSignals(shutdown, exit);
    try {
      process.emit("SIGTERM", "SIGTERM");
      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
      expect(step).toHaveBeenCalledOnce();
    } finally {
      remove();
    }
  });

  it("exits 1 at once on a second signal", () => {
    const { logger } = fakeLogger();
    const shutdown = createShutdown({ logger, timeoutMs: 50 });
    shutdown.add("hangs", never);
    const exit = vi.fn();
    const remove = onSignals(shutdown, exit);
    try {
      process.emit("SIGINT", "SIGINT");
      expect(exit).not.toHaveBeenCalled();
      process.emit("SIGINT", "SIGINT");
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      remove();
    }
  });

  it("removes its handlers", () => {
    const before = process.listenerCount("SIGTERM");
    const remove = onSignals(createShutdown({ logger: fakeLogger().logger, timeoutMs: 1 }), vi.fn());
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    remove();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });
});
