import { describe, expect, it } from "vitest";
import { tokenLevel } from "./rate-tokens.ts";

describe("tokenLevel", () => {
  it("starts full, refills at the rate, holds one second of burst", () => {
    expect(tokenLevel(20, null, null)).toBe(20);
    expect(tokenLevel(20, 0, 0.25)).toBe(5);
    expect(tokenLevel(20, 10, 60)).toBe(20);
    expect(tokenLevel(0.1, 0, 100)).toBe(1);
  });
});
