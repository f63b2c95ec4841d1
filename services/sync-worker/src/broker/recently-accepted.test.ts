import { describe, expect, it } from "vitest";
import { createRecentlyAccepted } from "./recently-accepted.ts";

describe("recently accepted broker messages", () => {
  it("remembers messages per subscription and forgets the oldest beyond its capacity", () => {
    const recent = createRecentlyAccepted(2);
    recent.add("a", "1");
    expect(recent.has("a", "1")).toBe(true);
    expect(recent.has("b", "1")).toBe(false);
    recent.add("a", "2");
    recent.add("a", "3");
    expect([recent.has("a", "1"), recent.has("a", "2"), recent.has("a", "3")]).toStrictEqual([
      false,
      true,
      true,
    ]);
  });
});
