import { describe, expect, it } from "vitest";
import { planBrokerConsumers } from "./broker-consumer-plan.ts";

describe("planBrokerConsumers", () => {
  it.each([
    ["nothing to do", [["a", "s1"]], [["a", "s1"]], [], []],
    ["a new Connector", [], [["a", "s1"]], [], [{ connectorId: "a", subscription: "s1" }]],
    ["a removed subscription or lost lease", [["a", "s1"]], [], ["a"], []],
    [
      "a changed subscription",
      [["a", "s1"]],
      [["a", "s2"]],
      ["a"],
      [{ connectorId: "a", subscription: "s2" }],
    ],
    [
      "a mix",
      [
        ["a", "s1"],
        ["b", "s2"],
      ],
      [
        ["b", "s2"],
        ["c", "s3"],
      ],
      ["a"],
      [{ connectorId: "c", subscription: "s3" }],
    ],
  ] as const)("%s", (_, running, wanted, stop, start) => {
    expect(planBrokerConsumers(new Map(running), new Map(wanted))).toStrictEqual({ stop, start });
  });
});
