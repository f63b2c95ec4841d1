import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "./amqp-reconnect-backoff.ts";

const backoff = { initialMs: 500, maxMs: 30_000 };
const middle = () => 0.5; // no jitter

describe("reconnectDelayMs", () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [6, 16_000],
    [7, 30_000],
    [100, 30_000],
    [0, 500],
  ])("after %i failures waits %i ms", (failures, expected) => {
    expect(reconnectDelayMs(failures, backoff, middle)).toBe(expected);
  });

  it("jitters by ±20 % and never beyond the cap", () => {
    expect(reconnectDelayMs(1, backoff, () => 0)).toBe(400);
    expect(reconnectDelayMs(1, backoff, () => 1)).toBe(600);
    expect(reconnectDelayMs(50, backoff, () => 1)).toBe(30_000);
    expect(reconnectDelayMs(50, backoff, () => 0)).toBe(24_000);
  });
});
