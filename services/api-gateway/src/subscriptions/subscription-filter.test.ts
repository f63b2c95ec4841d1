import { describe, expect, it } from "vitest";
import { pubsubFilter } from "./subscription-filter.ts";

describe("pubsubFilter", () => {
  it.each([
    [["transport.messageReceived"], undefined, 'attributes.namespace = "transport.messageReceived"', true],
    [
      ["transport.messageReceived", "consumption.incomingRequestReceived"],
      undefined,
      '(attributes.namespace = "transport.messageReceived" OR attributes.namespace = "consumption.incomingRequestReceived")',
      true,
    ],
    [
      ["transport.**"],
      undefined,
      '(attributes.namespace = "transport" OR hasPrefix(attributes.namespace, "transport."))',
      true,
    ],
    [["transport.*"], undefined, 'hasPrefix(attributes.namespace, "transport.")', false],
    [["**"], undefined, "", true],
    [["*.messageReceived"], undefined, "", false],
    [["a.*.c"], undefined, 'hasPrefix(attributes.namespace, "a.")', false],
    [["**", "a.b"], undefined, "", true],
    [["**"], ["acme"], 'attributes.connectorId = "acme"', true],
    [
      ["transport.*"],
      ["acme", "beta"],
      '(hasPrefix(attributes.namespace, "transport.")) AND (attributes.connectorId = "acme" OR attributes.connectorId = "beta")',
      false,
    ],
    [["a.b", "a.b"], ["acme"], '(attributes.namespace = "a.b") AND (attributes.connectorId = "acme")', true],
  ])("%j for %j → %s", (triggers, connectorIds, filter, isExact) => {
    const result = pubsubFilter(triggers, connectorIds);
    expect(result.filter).toBe(filter);
    expect(result.isExact).toBe(isExact);
    expect(result.notes.length === 0).toBe(isExact);
  });

  it("refuses a filter longer than Pub/Sub's 256 bytes, naming the field", () => {
    const many = Array.from({ length: 10 }, (_, i) => `transport.messageReceived${i}`);
    expect(() => pubsubFilter(many, undefined)).toThrow(
      /body\/triggers: the Pub\/Sub filter would be \d+ bytes/,
    );
  });
});
