import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE_SECONDS, MAX_RETRY_AFTER_MS, nextAttemptAt } from "./retry-policy.ts";

const now = new Date("2026-01-01T00:00:00Z");
const delayMs = (date: Date | undefined) => (date ? date.getTime() - now.getTime() : undefined);
const middle = () => 0.5; // no jitter
const lowest = () => 0; // −20 %
const highest = () => 1; // +20 %

describe("nextAttemptAt", () => {
  it("follows the default schedule, about two days in all", () => {
    const delays = DEFAULT_RETRY_SCHEDULE_SECONDS.map((_, i) =>
      delayMs(nextAttemptAt(i + 1, now, { random: middle })),
    );
    expect(delays).toStrictEqual(DEFAULT_RETRY_SCHEDULE_SECONDS.map((s) => s * 1000));
    const totalHours = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b) / 3600;
    expect(totalHours).toBeGreaterThan(40);
    expect(totalHours).toBeLessThan(60);
  });

  it("stops when the schedule is used up", () => {
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE_SECONDS.length + 1, now)).toBeUndefined();
  });

  it("jitters by ±20 %", () => {
    expect(delayMs(nextAttemptAt(1, now, { random: lowest }))).toBe(4000);
    expect(delayMs(nextAttemptAt(1, now, { random: highest }))).toBe(6000);
  });

  it("honours a longer Retry-After, up to a bound", () => {
    expect(delayMs(nextAttemptAt(1, now, { random: middle, retryAfterMs: 60_000 }))).toBe(60_000);
    expect(delayMs(nextAttemptAt(1, now, { random: middle, retryAfterMs: 1_000 }))).toBe(5_000);
    expect(delayMs(nextAttemptAt(1, now, { random: middle, retryAfterMs: 10 * MAX_RETRY_AFTER_MS }))).toBe(
      MAX_RETRY_AFTER_MS,
    );
  });

  it("takes a destination's own schedule", () => {
    expect(delayMs(nextAttemptAt(2, now, { schedule: [1, 2], random: middle }))).toBe(2000);
    expect(nextAttemptAt(3, now, { schedule: [1, 2] })).toBeUndefined();
  });
});
