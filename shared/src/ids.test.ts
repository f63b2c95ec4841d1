import { describe, expect, it } from "vitest";
import { createIdGenerator, derivedId, idTime, isId, newId } from "./ids.ts";

describe("newId", () => {
  it("is the prefix, an underscore and a 26-char Crockford base32 ULID", () => {
    expect(newId("evt")).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newId("dlv")).toMatch(/^dlv_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("sorts as strings in creation order for 10,000 ids made in a tight loop", () => {
    const ids = Array.from({ length: 10_000 }, () => newId("evt"));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("stays ordered within one millisecond and when the clock steps back", () => {
    let nowMs = 1_700_000_000_000;
    const next = createIdGenerator(() => nowMs);
    const first = [next("evt"), next("evt"), next("evt")];
    nowMs -= 1000;
    const afterStepBack = next("evt");
    const ids = [...first, afterStepBack];
    expect([...ids].sort()).toEqual(ids);
    expect(idTime(afterStepBack).getTime()).toBe(1_700_000_000_000);
    // Same millisecond: only the random part moves, by one.
    expect(first.map((id) => id.slice(4, 14))).toEqual(Array(3).fill(first[0]?.slice(4, 14)));
  });

  it.each([
    [0, "0000000000"],
    [1_469_918_176_385, "01ARYZ6S41"], // the ULID spec's example
    [2 ** 48 - 1, "7ZZZZZZZZZ"],
  ])("encodes time %i as %s", (ms, encoded) => {
    const id = createIdGenerator(() => ms)("con");
    expect(id.slice(4, 14)).toBe(encoded);
    expect(idTime(id).getTime()).toBe(ms);
  });

  it("refuses times beyond 48 bits", () => {
    expect(() => createIdGenerator(() => 2 ** 48)("con")).toThrow(RangeError);
  });
});

describe("idTime", () => {
  it("decodes the creation time", () => {
    const before = Date.now();
    const id = newId("whk");
    const time = idTime(id).getTime();
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    ["con_01ARYZ6S41TSV4RRFFQ69G5FAV", "2016-07-30T22:36:16.385Z"],
    ["evt_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "+010889-08-02T05:31:50.655Z"],
  ])("%s was made at %s", (id, iso) => {
    expect(idTime(id).toISOString()).toBe(iso);
  });

  it.each(["", "evt_", "evt_01ARYZ6S41", "evt_01ARYZ6S41TSV4RRFFQ69G5FAI", "evt_81ARYZ6S41TSV4RRFFQ69G5FAV"])(
    "rejects %j",
    (id) => {
      expect(() => idTime(id)).toThrow(RangeError);
    },
  );
});

describe("isId", () => {
  it.each([
    [newId("evt"), "evt", true],
    [newId("evt"), "dlv", false],
    ["evt_01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", true],
    ["evt_01arYZ6S41TSV4RRFFQ69G5FAV", "evt", false],
    ["evt_01ARYZ6S41TSV4RRFFQ69G5FA", "evt", false],
    ["evt-01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false],
    ["xevt_01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false],
    [42, "evt", false],
    [undefined, "evt", false],
  ] as const)("isId(%j, %s) is %s", (value, prefix, expected) => {
    expect(isId(value, prefix)).toBe(expected);
  });
});

describe("derivedId", () => {
  const at = Date.parse("2025-06-01T12:00:00.123Z");

  // Fixed vectors: ids already stored (broker events) must derive the same forever.
  it.each([
    [at, ["acme-broker", "1234567"], "evt_01JWNNSVKVFWN1NS2JPYY91GR2"],
    [0, ["s", "m"], "evt_0000000000JQ8FKKRC5DTDM4DP"],
  ] as const)("derives %i %j as %s", (timeMs, parts, expected) => {
    expect(derivedId("evt", timeMs, parts)).toBe(expected);
  });

  it("is a valid id carrying the given time, the same for the same parts", () => {
    const id = derivedId("evt", at, ["a", "b"]);
    expect(isId(id, "evt")).toBe(true);
    expect(idTime(id).getTime()).toBe(at);
    expect(derivedId("evt", at, ["a", "b"])).toBe(id);
    expect(derivedId("evt", at, ["a", "c"])).not.toBe(id);
    expect(derivedId("evt", at + 1, ["a", "b"]) > id).toBe(true);
  });

  it.each([-1, 0.5, 2 ** 48])("refuses time %d", (timeMs) => {
    expect(() => derivedId("evt", timeMs, ["s"])).toThrow(RangeError);
  });
});
