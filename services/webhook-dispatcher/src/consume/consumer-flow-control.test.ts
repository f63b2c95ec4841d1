import { describe, expect, it } from "vitest";
import { consumerStreamOptions } from "./consumer-flow-control.ts";

describe("consumerStreamOptions", () => {
  it("bounds the stream by messages and by bytes, with no excess batch handed over", () => {
    expect(consumerStreamOptions({ maxMessages: 1000, maxBytes: 16 * 1024 * 1024 })).toEqual({
      flowControl: { maxMessages: 1000, maxBytes: 16 * 1024 * 1024, allowExcessMessages: false },
    });
  });

  it("leaves the bytes to the client's default when none is given", () => {
    expect(consumerStreamOptions({ maxMessages: 10 }).flowControl).not.toHaveProperty("maxBytes");
  });
});
