import { describe, expect, it } from "vitest";
import { buildBatchBody } from "./batch.ts";

describe("buildBatchBody", () => {
  it("puts messages and relationships in storage order, each as the stored text", () => {
    const body = buildBatchBody([
      { trigger: "transport.messageReceived", dataText: '{"id":"MSG1","content":{"a" : 1}}' },
      { trigger: "transport.relationshipChanged", dataText: '{"id":"REL1","status":"Pending"}' },
      { trigger: "transport.messageReceived", dataText: '{"id":"MSG2"}' },
    ]);
    expect(body).toBe(
      '{"messages":[{"id":"MSG1","content":{"a" : 1}},{"id":"MSG2"}],"relationships":[{"id":"REL1","status":"Pending"}]}',
    );
    expect(JSON.parse(body)).toStrictEqual({
      messages: [{ id: "MSG1", content: { a: 1 } }, { id: "MSG2" }],
      relationships: [{ id: "REL1", status: "Pending" }],
    });
  });

  it("gives empty arrays for a kind without events", () => {
    expect(buildBatchBody([{ trigger: "transport.relationshipChanged", dataText: "{}" }])).toBe(
      '{"messages":[],"relationships":[{}]}',
    );
  });
});
