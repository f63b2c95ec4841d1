import { describe, expect, it } from "vitest";
import { nextSyncDelayMs } from "./sync-schedule.ts";

const policy = { jitterRatio: 0.1, backoffMaxSeconds: 900 };
const middle = () => 0.5; // no jitter
const lowest = () => 0;
const highest = () => 1;

describe("nextSyncDelayMs", () => {
  it.each([
    // [interval s, consecutive failures, expected ms without jitter]
    [60, 0, 60_000],
    [60, 1, 120_000],
    [60, 2, 240_000],
    [60, 3, 480_000],
    [60, 4, 900_000], // capped
    [60, 50, 900_000],
    [1, 0, 1_000],
    [1, 3, 8_000],
    [1200, 2, 1_200_000], // the cap never makes a failed Connector sync sooner than its interval
  ])("interval %i s after %i failures waits %i ms", (interval, failures, expected) => {
    expect(nextSyncDelayMs(policy, interval, failures, middle)).toBe(expected);
  });

  it("jitters within ±ratio", () => {
    expect(nextSyncDelayMs(policy, 60, 0, lowest)).toBe(54_000);
    expect(nextSyncDelayMs(policy, 60, 0, highest)).toBe(66_000);
    expect(nextSyncDelayMs({ ...policy, jitterRatio: 0 }, 60, 0, highest)).toBe(60_000);
  });

  const wide = { jitterRatio: 0.5, backoffMaxSeconds: 900 };
  it.each([
    // [policy, interval s, failures, random, expected ms]
    ["below the 1 s minimum", wide, 1, 0, lowest, 1_000],
    ["above 1 s, unclamped", wide, 1, 0, highest, 1_500],
    ["a longer interval keeps its jitter", wide, 60, 0, lowest, 30_000],
    ["above the backoff cap", policy, 60, 4, highest, 900_000],
    ["below the cap, unclamped", policy, 60, 4, lowest, 810_000],
    ["an interval above the cap: not above the interval", policy, 1200, 2, highest, 1_200_000],
    ["an interval above the cap: jittered below it", policy, 1200, 2, lowest, 1_080_000],
  ] as const)("clamps jitter %s", (_case, clampPolicy, interval, failures, random, expected) => {
    expect(nextSyncDelayMs(clampPolicy, interval, failures, random)).toBe(expected);
  });
});
