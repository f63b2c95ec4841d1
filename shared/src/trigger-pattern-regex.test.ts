import { matchesTrigger } from "./triggers.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { triggerPatternRegex } from "./trigger-pattern-regex.ts";

// JavaScript and POSIX agree on this subset (anchors, classes, groups, `*`), so the JS RegExp stands in
// for Postgres here; the integration tests run the same regex in Postgres.
const matches = (pattern: string, trigger: string) =>
  new RegExp(triggerPatternRegex(pattern)).test(`.${trigger}`);

describe("triggerPatternRegex", () => {
  it.each([
    ["transport.messageReceived", "transport.messageReceived", true],
    ["transport.*", "transport.messageReceived", true],
    ["transport.*", "transport", false],
    ["transport.**", "transport", true],
    ["transport.**", "transport.a.b", true],
    ["**", "a", true],
    ["**.messageReceived", "transport.messageReceived", true],
    ["a.**.c", "a.c", true],
    ["a.b-c", "a.b-c", true],
    ["a.b", "a.bc", false],
  ])("%s on %s: %s", (pattern, trigger, expected) => {
    expect(matches(pattern, trigger)).toBe(expected);
  });

  it("agrees with the shared matcher on random patterns and triggers", () => {
    const segment = fc.constantFrom("a", "b", "transport", "x-y");
    const patternPart = fc.oneof(segment, fc.constant("*"), fc.constant("**"));
    const pattern = fc
      .array(patternPart, { minLength: 1, maxLength: 5 })
      .filter((parts) => parts.every((part, i) => !(part === "**" && parts[i + 1] === "**")))
      .map((parts) => parts.join("."));
    const trigger = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("."));
    fc.assert(
      fc.property(pattern, trigger, (p, t) => {
        expect(matches(p, t)).toBe(matchesTrigger(p, t));
      }),
      { numRuns: 2000 },
    );
  });
});
