import { describe, expect, it } from "vitest";
import { assertUnlimited, checkConnectorIds, connectorIdsForNew } from "./connector-access.ts";

const forbidden = { code: "error.hub.forbidden", statusCode: 403 };

describe("connectorIdsForNew", () => {
  it.each([
    { access: null, requested: undefined, stored: undefined },
    { access: null, requested: null, stored: null },
    { access: null, requested: ["a", "z"], stored: ["a", "z"] },
    { access: ["a", "b"], requested: undefined, stored: ["a", "b"] },
    { access: ["a", "b"], requested: ["b"], stored: ["b"] },
    { access: ["a", "b"], requested: ["a", "a"], stored: ["a"] },
  ])("$access asking $requested stores $stored", ({ access, requested, stored }) => {
    expect(connectorIdsForNew(access, requested, "body/connectorIds")).toEqual(stored);
  });

  it.each([
    { access: ["a"], requested: null },
    { access: ["a"], requested: ["a", "b"] },
    { access: [], requested: ["a"] },
  ])("$access asking $requested is a 403 naming the field", ({ access, requested }) => {
    expect(() => connectorIdsForNew(access, requested, "body/connectorIds")).toThrow(
      expect.objectContaining({ ...forbidden, message: expect.stringContaining("body/connectorIds") }),
    );
  });
});

describe("checkConnectorIds", () => {
  it("lets an unlimited key set any list or null, a limited one only lists within its own", () => {
    expect(checkConnectorIds(null, null, "f")).toBeNull();
    expect(checkConnectorIds(["a", "b"], ["a"], "f")).toEqual(["a"]);
    expect(() => checkConnectorIds(["a"], null, "f")).toThrow(expect.objectContaining(forbidden));
    expect(() => checkConnectorIds(["a"], ["c"], "f")).toThrow(expect.objectContaining(forbidden));
  });
});

describe("assertUnlimited", () => {
  it("refuses a limited key", () => {
    expect(() => assertUnlimited(null, "register a Connector")).not.toThrow();
    expect(() => assertUnlimited(["a"], "register a Connector")).toThrow(expect.objectContaining(forbidden));
  });
});
