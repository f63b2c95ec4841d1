import { describe, expect, it } from "vitest";
import { backoffDelayMs, exponentialDelay, withJitter } from "./backoff.ts";

describe("exponentialDelay", () => {
  it.each([
    [0, 100],
    [1, 100],
    [2, 200],
    [3, 400],
    [6, 3200],
    [7, 5000],
    [1000, 5000],
  ])("after %i failures waits %i ms (100 ms doubled, capped at 5 s)", (failures, expected) => {
    expect(exponentialDelay(100, 5000, failures)).toBe(expected);
  });
});

describe("withJitter", () => {
  it.each([
    [0, 80],
    [0.5, 100],
    [0.75, 110],
  ])("random %d moves 100 ms by ±20 %% to %d", (random, expected) => {
    expect(withJitter(100, 0.2, () => random)).toBeCloseTo(expected);
  });
});

describe("backoffDelayMs", () => {
  const backoff = { initialMs: 500, maxMs: 30_000, jitterRatio: 0.2 };

  it.each([
    [1, 0, 400],
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 0.999, 2399],
    [7, 0.5, 30_000],
    [7, 0.999, 30_000], // jitter never goes past the cap
    [7, 0, 24_000],
    // the AMQP reconnects' vectors (webhook-dispatcher, 0.5 s → 30 s)
    [0, 0.5, 500], // fewer than one failure counts as one
    [6, 0.5, 16_000],
    [100, 0.5, 30_000],
    [1, 1, 600],
    [50, 1, 30_000],
    [50, 0, 24_000],
  ])("failures %i, random %d → %i ms", (failures, random, expected) => {
    expect(backoffDelayMs(backoff, failures, () => random)).toBe(expected);
  });

  it("without jitter is the plain exponential", () => {
    expect(backoffDelayMs({ ...backoff, jitterRatio: 0 }, 4)).toBe(4000);
  });
});
