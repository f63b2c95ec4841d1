import { describe, expect, it } from "vitest";
import { coversPattern } from "./create-api-key.ts";

describe("coversPattern", () => {
  it.each([
    [["**"], "core:**", true],
    [["core:**"], "core:messages", true],
    [["core:**"], "core:requests:*", true],
    [["core:messages"], "core:**", false],
    [["webhooks:*"], "webhooks:*", true],
    [["webhooks:*"], "webhooks:read", true],
    [["keys:write"], "**", false],
    [["keys:write"], "webhooks:read", false],
  ] as const)("%j covers %s: %s", (granted, requested, expected) => {
    expect(coversPattern(granted, requested)).toBe(expected);
  });
});
