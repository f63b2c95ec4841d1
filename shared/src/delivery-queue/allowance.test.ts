import { describe, expect, it } from "vitest";
import { destinationAllowance, shareSlots, type DestinationLoad } from "./allowance.ts";

const load = (over: Partial<DestinationLoad> = {}): DestinationLoad => ({
  destinationId: "whk_a",
  maxInFlight: 10,
  isBreakerOpen: false,
  leased: 0,
  isProbing: false,
  probeLimit: 1,
  ratePerSecond: null,
  rateTokens: null,
  rateElapsedSeconds: null,
  ...over,
});

describe("destinationAllowance", () => {
  it.each([
    [load(), 10],
    [load({ leased: 4 }), 6],
    [load({ leased: 12 }), 0],
    [load({ isProbing: true }), 1],
    [load({ isProbing: true, leased: 1 }), 0],
    [load({ isProbing: true, probeLimit: 3 }), 3],
    [load({ isProbing: true, probeLimit: 3, leased: 2 }), 1],
    [load({ isProbing: true, probeLimit: 3, leased: 5 }), 0],
    [load({ isProbing: true, probeLimit: 3, maxInFlight: 2 }), 2],
    [load({ ratePerSecond: 5 }), 5],
    [load({ ratePerSecond: 5, rateTokens: 0, rateElapsedSeconds: 0.5 }), 2],
    [load({ ratePerSecond: 0.5, rateTokens: 0, rateElapsedSeconds: 1 }), 0],
    [load({ ratePerSecond: 0.5, rateTokens: 0, rateElapsedSeconds: 2 }), 1],
    [load({ ratePerSecond: 100, leased: 7 }), 3],
  ])("%o allows %i", (input, expected) => {
    expect(destinationAllowance(input).allowance).toBe(expected);
  });

  it.each([
    [load(), undefined],
    [load({ isBreakerOpen: true }), "circuit_open"],
    [load({ isBreakerOpen: true, isProbing: true }), "circuit_open"],
    [load({ isProbing: true, leased: 1 }), "circuit_open"],
    [load({ isProbing: true, probeLimit: 3, leased: 3 }), "circuit_open"],
    [load({ isProbing: true }), undefined],
    [load({ leased: 10 }), "in_flight_limit"],
    [load({ leased: 10, ratePerSecond: 0.5, rateTokens: 0, rateElapsedSeconds: 0 }), "in_flight_limit"],
    [load({ ratePerSecond: 0.5, rateTokens: 0, rateElapsedSeconds: 1 }), "rate_limited"],
    [load({ ratePerSecond: 5, rateTokens: 0, rateElapsedSeconds: 0.5 }), undefined],
  ])("%o is held by %s", (input, expected) => {
    const allowance = destinationAllowance(input);
    expect(allowance.heldBy).toBe(expected);
    expect(allowance.allowance === 0).toBe(expected !== undefined);
  });
});

describe("shareSlots", () => {
  it("goes round-robin so a large allowance cannot take every slot", () => {
    const shares = shareSlots(
      [
        { destinationId: "a", allowance: 10 },
        { destinationId: "b", allowance: 10 },
        { destinationId: "c", allowance: 1 },
      ],
      7,
    );
    expect(Object.fromEntries(shares)).toStrictEqual({ a: 3, b: 3, c: 1 });
  });

  it("never exceeds an allowance", () => {
    expect(Object.fromEntries(shareSlots([{ destinationId: "a", allowance: 2 }], 50))).toStrictEqual({
      a: 2,
    });
    expect(shareSlots([{ destinationId: "a", allowance: 0 }], 5).size).toBe(0);
  });
});
