import { describe, expect, it } from "vitest";
import { matchesQuery } from "./query-filter.ts";

const message = {
  createdBy: "did:a",
  content: { "@type": "Mail" },
  recipients: [{ address: "did:b", relationshipId: "REL1" }],
};

describe("matchesQuery", () => {
  it.each([
    [{}, true],
    [{ createdBy: "did:a" }, true],
    [{ createdBy: "did:x" }, false],
    [{ "content.@type": "Mail" }, true],
    [{ "recipients.address": "did:b" }, true],
    [{ "recipients.address": ["did:x", "did:b"] }, true],
    [{ "recipients.address": "did:b", createdBy: "did:x" }, false],
    [{ "source.reference": "RLT1" }, false],
  ])("%j → %s", (query, expected) => {
    expect(matchesQuery(message, query)).toBe(expected);
  });
});
