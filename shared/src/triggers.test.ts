import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileTriggerPattern,
  isValidTrigger,
  isValidTriggerPattern,
  matchesAnyTrigger,
  matchesTrigger,
} from "./triggers.ts";

const EVENTS = [
  "transport",
  "transport.messageReceived",
  "transport.a.b",
  "consumption.attributeCreated",
  "messageReceived",
  "x.messageReceived",
  "x.y.messageReceived",
  "a.c",
  "a.b.c",
  "a.b.b.c",
  "a",
  "a.b",
  "a.b.c.d",
];

// What EventEmitter2 6.4.9 (wildcard: true, delimiter ".") calls for each pattern, recorded by
// subscribing the pattern and emitting every event above.
const VECTORS: [pattern: string, matches: string[]][] = [
  ["**", EVENTS],
  ["transport.*", ["transport.messageReceived"]],
  ["transport.**", ["transport", "transport.messageReceived", "transport.a.b"]],
  ["consumption.**", ["consumption.attributeCreated"]],
  ["*.messageReceived", ["transport.messageReceived", "x.messageReceived"]],
  [
    "**.messageReceived",
    ["transport.messageReceived", "messageReceived", "x.messageReceived", "x.y.messageReceived"],
  ],
  ["*", ["transport", "messageReceived", "a"]],
  ["*.*", ["transport.messageReceived", "consumption.attributeCreated", "x.messageReceived", "a.c", "a.b"]],
  ["a.*.c", ["a.b.c"]],
  ["a.**.c", ["a.c", "a.b.c", "a.b.b.c"]],
  ["transport", ["transport"]],
  ["transport.messageReceived", ["transport.messageReceived"]],
  ["*.**", EVENTS],
  ["a.**.b.**", ["a.b.c", "a.b.b.c", "a.b", "a.b.c.d"]],
];

describe("matchesTrigger", () => {
  it.each(VECTORS)("%s matches exactly %j", (pattern, expected) => {
    expect(EVENTS.filter((event) => matchesTrigger(pattern, event))).toEqual(expected);
  });

  // Where EventEmitter2's non-backtracking search departs from its own rule (see triggers.ts).
  it.each([
    ["a.*.**", "a", false], // EventEmitter2: true
    ["a.**.*", "a", false], // EventEmitter2: true
    ["**.*.messageReceived", "transport.messageReceived", true], // EventEmitter2: false
    ["**.a", "a.a.a", true], // EventEmitter2: false
  ])("follows the rule, not EventEmitter2's quirk: %s on %s is %s", (pattern, trigger, expected) => {
    expect(matchesTrigger(pattern, trigger)).toBe(expected);
  });

  it("does not treat a partial wildcard segment as a wildcard", () => {
    expect(isValidTriggerPattern("transport.message*")).toBe(false);
    expect(() => matchesTrigger("transport.message*", "transport.messageReceived")).toThrow(RangeError);
  });

  it("stays fast with many ** segments", () => {
    const pattern = Array(40).fill("**.a").join(".");
    const started = performance.now();
    expect(matchesTrigger(pattern, Array(60).fill("a").join(".") + ".b")).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("matchesAnyTrigger", () => {
  it.each([
    [["transport.messageSent", "consumption.*"], "consumption.attributeCreated", true],
    [["transport.messageSent", "consumption.*"], "transport.messageReceived", false],
    [[], "transport.messageReceived", false],
  ])("%j on %s is %s", (patterns, trigger, expected) => {
    expect(matchesAnyTrigger(patterns, trigger)).toBe(expected);
  });
});

describe("compileTriggerPattern", () => {
  it("rejects invalid patterns", () => {
    expect(() => compileTriggerPattern("a.**.**")).toThrow('invalid trigger pattern: "a.**.**"');
  });
});

describe("isValidTrigger", () => {
  it.each([
    ["transport.messageReceived", true],
    ["transport", true],
    ["my_app.thing-happened.v2", true],
    ["", false],
    [".transport", false],
    ["transport.", false],
    ["transport..messageReceived", false],
    ["transport.*", false],
    ["transport.**", false],
    ["transport.message Received", false],
    ["transport/messageReceived", false],
    ["a".repeat(256), true],
    ["a".repeat(257), false],
  ])("%j is %s", (name, expected) => {
    expect(isValidTrigger(name)).toBe(expected);
  });
});

describe("isValidTriggerPattern", () => {
  it.each([
    ["**", true],
    ["*", true],
    ["transport.*", true],
    ["*.messageReceived", true],
    ["a.**.c", true],
    ["**.*", true],
    ["transport.messageReceived", true],
    ["**.**", false], // EventEmitter2 never subscribes it
    ["a.**.**.b", false],
    ["", false],
    ["transport.", false],
    ["transport.message*", false],
    ["***", false],
    ["transport.#", false],
    [`a.${"b".repeat(255)}`, false],
  ])("%j is %s", (pattern, expected) => {
    expect(isValidTriggerPattern(pattern)).toBe(expected);
  });
});

const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const trigger = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("."));

describe("properties", () => {
  it("an exact pattern matches only itself", () => {
    fc.assert(
      fc.property(trigger, trigger, (pattern, other) => {
        expect(matchesTrigger(pattern, pattern)).toBe(true);
        expect(matchesTrigger(pattern, other)).toBe(pattern === other);
      }),
    );
  });

  it("** matches every trigger, and a trigger with one segment replaced by * still matches it", () => {
    fc.assert(
      fc.property(trigger, fc.nat(), (name, pick) => {
        const parts = name.split(".");
        parts[pick % parts.length] = "*";
        expect(matchesTrigger("**", name)).toBe(true);
        expect(matchesTrigger(parts.join("."), name)).toBe(true);
        expect(matchesTrigger(`${name}.**`, name)).toBe(true);
        expect(matchesTrigger(`${name}.*`, name)).toBe(false);
      }),
    );
  });
});
