import { describe, expect, it } from "vitest";
import { noFaults, takeAcceptFailure } from "./faults.ts";

describe("takeAcceptFailure", () => {
  it("fails exactly the first acceptFailures Accepts", () => {
    const faults = { ...noFaults(), acceptFailures: 2 };
    expect([1, 2, 3, 4].map(() => takeAcceptFailure(faults))).toStrictEqual([true, true, false, false]);
    expect(faults.acceptFailures).toBe(0);
  });
});
