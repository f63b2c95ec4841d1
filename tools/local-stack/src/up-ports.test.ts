import { describe, expect, it } from "vitest";
import { readUpPorts } from "./up-ports.ts";

describe("readUpPorts", () => {
  it("keeps the documented ports when MAKE_UP_BASE_PORT is unset or empty", () => {
    const documented = {
      services: { "api-gateway": 8080, "sync-worker": 8081, "webhook-dispatcher": 8082 },
      emulator: 8085,
      connectorSims: 8090,
    };
    expect(readUpPorts({})).toEqual(documented);
    expect(readUpPorts({ MAKE_UP_BASE_PORT: "" })).toEqual(documented);
  });

  it("moves every port by the same offsets from MAKE_UP_BASE_PORT", () => {
    expect(readUpPorts({ MAKE_UP_BASE_PORT: "20000" })).toEqual({
      services: { "api-gateway": 20000, "sync-worker": 20001, "webhook-dispatcher": 20002 },
      emulator: 20005,
      connectorSims: 20010,
    });
  });

  it.each(["eighty", "8080.5", "-1", "80", "65530"])("refuses MAKE_UP_BASE_PORT=%s in one line", (value) => {
    expect(() => readUpPorts({ MAKE_UP_BASE_PORT: value })).toThrow(
      `MAKE_UP_BASE_PORT=${value} is not a port between 1024 and 65524.`,
    );
  });
});
