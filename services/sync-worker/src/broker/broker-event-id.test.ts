import { idTime, isId } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { brokerEventId } from "./broker-event-id.ts";

describe("brokerEventId", () => {
  const at = Date.parse("2025-06-01T12:00:00.123Z");

  it("is a valid evt_ id carrying the publish time", () => {
    const id = brokerEventId(at, "acme-broker", "1234567");
    expect(isId(id, "evt")).toBe(true);
    expect(idTime(id).toISOString()).toBe("2025-06-01T12:00:00.123Z");
  });

  it("is the same for a redelivered message and differs per message and per subscription", () => {
    const id = brokerEventId(at, "acme-broker", "1234567");
    expect(brokerEventId(at, "acme-broker", "1234567")).toBe(id);
    expect(brokerEventId(at, "acme-broker", "1234568")).not.toBe(id);
    expect(brokerEventId(at, "other-broker", "1234567")).not.toBe(id);
  });

  it("sorts by publish time", () => {
    const earlier = brokerEventId(at, "acme-broker", "zzz");
    const later = brokerEventId(at + 1, "acme-broker", "aaa");
    expect(earlier < later).toBe(true);
  });

  it("matches a fixed vector", () => {
    expect(brokerEventId(0, "s", "m")).toMatch(/^evt_0000000000[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(brokerEventId(2 ** 48 - 1, "s", "m").slice(4, 14)).toBe("7ZZZZZZZZZ");
  });

  it("rejects a time that does not fit", () => {
    expect(() => brokerEventId(-1, "s", "m")).toThrow(RangeError);
    expect(() => brokerEventId(2 ** 48, "s", "m")).toThrow(RangeError);
  });
});
