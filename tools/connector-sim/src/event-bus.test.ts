import { describe, expect, it } from "vitest";
import { EventBus, matchesTrigger } from "./event-bus.ts";
import { createLogger } from "./logger.ts";

describe("matchesTrigger (EventEmitter2 wildcards)", () => {
  it.each([
    ["transport.messageReceived", "transport.messageReceived", true],
    ["transport.messageReceived", "transport.messageSent", false],
    ["transport.*", "transport.messageReceived", true],
    ["transport.*", "consumption.messageProcessed", false],
    ["*.messageReceived", "transport.messageReceived", true],
    ["*", "transport.messageReceived", false],
    ["**", "transport.messageReceived", true],
    ["**", "consumption.relationshipEvent.REL1", true],
    ["consumption.**", "consumption.relationshipEvent.REL1", true],
    ["consumption.*", "consumption.relationshipEvent.REL1", false],
    ["**.messageProcessed", "consumption.messageProcessed", true],
    ["transport.messageReceived.*", "transport.messageReceived", false],
  ])("%s vs %s → %s", (pattern, namespace, expected) => {
    expect(matchesTrigger(pattern, namespace)).toBe(expected);
  });
});

describe("EventBus", () => {
  it("numbers events, keeps the log and isolates a throwing handler", () => {
    const bus = new EventBus(createLogger("silent"));
    const seen: string[] = [];
    bus.subscribe("**", () => {
      throw new Error("boom");
    });
    bus.subscribe("a.*", (event) => seen.push(event.namespace));
    bus.publish({ namespace: "a.b", eventTargetAddress: "x", data: 1, correlationId: "c" });
    bus.publish({ namespace: "b.c", eventTargetAddress: "x", data: 2, correlationId: undefined });
    expect(seen).toEqual(["a.b"]);
    expect(bus.events().map((e) => e.seq)).toEqual([1, 2]);
    expect(bus.events(1).map((e) => e.namespace)).toEqual(["b.c"]);
  });
});
