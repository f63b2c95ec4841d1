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
});
