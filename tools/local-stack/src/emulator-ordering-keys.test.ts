import { describe, expect, it } from "vitest";
import { consistentHash, emulatorStreamIndexOf, javaStringHash } from "./emulator-ordering-keys.ts";

describe("the emulator's ordering key → stream rule", () => {
  it("hashes strings as Java does", () => {
    expect(javaStringHash("")).toBe(0);
    expect(javaStringHash("K")).toBe(75);
    expect(javaStringHash("hello")).toBe(99162322);
    expect(javaStringHash("con_charlie_and_a_long_tail")).toBe(-1318752029); // overflows
  });

  it("agrees with Guava's consistentHash (values from Guava in the emulator jar)", () => {
    expect(consistentHash(-123456789n, 37)).toBe(25);
    expect(consistentHash(9223372036854775807n, 1000)).toBe(972);
    expect(["con_alpha", "con_charlie", "key-3"].map((key) => emulatorStreamIndexOf(key, 10))).toStrictEqual([
      5, 1, 0,
    ]);
  });

  it("matches the split the emulator made between five killed and five live streams", () => {
    // Keys K, L, M with a killed subscriber's streams numbered 0–4 and the next one's 5–9: K stalled,
    // L and M flowed (the emulator as shipped, 0.8.20).
    expect(["K", "L", "M"].map((key) => emulatorStreamIndexOf(key, 10))).toStrictEqual([1, 8, 5]);
  });

  it("is a consistent hash: one more stream takes keys only onto itself", () => {
    for (let input = -500n; input < 500n; input += 7n) {
      for (let buckets = 1; buckets < 40; buckets++) {
        const before = consistentHash(input, buckets);
        const after = consistentHash(input, buckets + 1);
        expect(before).toBeGreaterThanOrEqual(0);
        expect(before).toBeLessThan(buckets);
        expect([before, buckets]).toContain(after);
      }
    }
  });
});
