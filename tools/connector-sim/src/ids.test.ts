import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  newAddress,
  newCoreId,
  newErrorId,
  newTruncatedReference,
  templateIdFromTruncatedReference,
} from "./ids.ts";

describe("ids", () => {
  it("shapes ids like the runtime's", () => {
    expect(newCoreId("MSG")).toMatch(/^MSG[A-Za-z0-9]{17}$/);
    expect(newErrorId()).toMatch(/^ERR[A-HJ-NP-Z2-9]{17}$/);
  });

  it("builds addresses with transport's checksum", () => {
    const address = newAddress("backbone.example");
    const [, body] = /^(did:e:backbone\.example:dids:[0-9a-f]{20})[0-9a-f]{2}$/.exec(address) ?? [];
    expect(body).toBeDefined();
    const checksum = createHash("sha256").update(body!).digest().subarray(0, 1).toString("hex");
    expect(address.endsWith(checksum)).toBe(true);
  });

  it("round-trips a template id through its truncated reference", () => {
    const reference = newTruncatedReference("RLTabcdefghijklmnopq", "http://b.example");
    expect(reference).toMatch(/^UkxU/);
    expect(templateIdFromTruncatedReference(reference)).toBe("RLTabcdefghijklmnopq");
    expect(templateIdFromTruncatedReference("garbage")).toBeUndefined();
  });
});
