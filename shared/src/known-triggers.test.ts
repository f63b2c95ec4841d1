import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { boundedTriggerLabel, KNOWN_TRIGGERS } from "./known-triggers.ts";
import { isValidTrigger } from "./triggers.ts";

describe("boundedTriggerLabel", () => {
  it("keeps the name of every known Connector trigger", () => {
    for (const trigger of KNOWN_TRIGGERS) {
      expect(isValidTrigger(trigger), trigger).toBe(true);
      expect(boundedTriggerLabel(trigger)).toBe(trigger);
    }
    expect(KNOWN_TRIGGERS.size).toBeGreaterThan(50);
  });

  it.each(["transport.messageReceivedX", "consumption.relationshipEvent.REL123", "hub.test", "", "other"])(
    "labels %j as other",
    (trigger) => {
      expect(boundedTriggerLabel(trigger)).toBe("other");
    },
  );

  it("turns 1,500 distinct unknown triggers into one `other` series", async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: "t_total",
      help: "t",
      labelNames: ["trigger"],
      registers: [registry],
    });
    for (let i = 0; i < 1500; i++) counter.inc({ trigger: boundedTriggerLabel(`custom.trigger${i}`) });
    counter.inc({ trigger: boundedTriggerLabel("transport.messageReceived") });
    const { values } = await counter.get();
    expect(values.map((value) => [value.labels.trigger, value.value])).toStrictEqual([
      ["other", 1500],
      ["transport.messageReceived", 1],
    ]);
  });
});
