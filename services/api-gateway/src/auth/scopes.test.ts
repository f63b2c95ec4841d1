import { describe, expect, it } from "vitest";
import { hasScope, isValidScopePattern } from "./scopes.ts";

describe("hasScope", () => {
  it.each([
    [["**"], "webhooks:write", true],
    [["webhooks:write"], "webhooks:write", true],
    [["webhooks:*"], "webhooks:read", true],
    [["webhooks:read"], "webhooks:write", false],
    [["core:**"], "core:messages", true],
    [["core:**"], "core:requests:incoming", true],
    [["core:*"], "core:requests:incoming", false],
    [["core:requests:*"], "core:requests:outgoing", true],
    [["core:messages"], "core:relationships", false],
    [["*:read"], "deliveries:read", true],
    [["*:read"], "deliveries:write", false],
    [[], "events:read", false],
    [["web.hooks"], "web:hooks", false],
  ] as const)("%j grants %s: %s", (granted, required, expected) => {
    expect(hasScope(granted, required)).toBe(expected);
  });

  it.each([
    ["**", true],
    ["core:**", true],
    ["deliveries:read", true],
    ["a::b", false],
    ["a.b", false],
    ["", false],
    ["**:**", false],
  ])("%s is a valid scope pattern: %s", (pattern, expected) => {
    expect(isValidScopePattern(pattern)).toBe(expected);
  });
});
