import { describe, expect, it } from "vitest";
import { withOpenApi30Examples } from "./openapi-examples.ts";

describe("withOpenApi30Examples", () => {
  it("turns every examples array into example, at any depth, and keeps examples maps", () => {
    const document = {
      schema: {
        allOf: [{ type: "object", examples: [{ a: 1 }, { a: 2 }] }, { type: "object" }],
        example: { a: 1, b: 2 },
      },
      media: { examples: { first: { value: 1 } } },
      kept: { examples: ["x"], example: "y" },
    };
    expect(withOpenApi30Examples(document)).toEqual({
      schema: { allOf: [{ type: "object", example: { a: 1 } }, { type: "object" }], example: { a: 1, b: 2 } },
      media: { examples: { first: { value: 1 } } },
      kept: { example: "y" },
    });
  });
});
