import { createGuardedFetch, createSsrfPolicy } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { acceptRelationship } from "./accept-relationship.ts";

describe("acceptRelationship", () => {
  it.each(["http://127.0.0.1:9", "http://169.254.169.254", "http://[::1]:9"])(
    "does not call a Connector at %s that SSRF_ALLOW does not cover, and retries later",
    async (baseUrl) => {
      const connectorFetch = createGuardedFetch(createSsrfPolicy([]));
      const result = await acceptRelationship(connectorFetch, {
        baseUrl,
        apiPrefix: "/api/v2",
        apiKey: "k",
        relationshipId: "REL1",
        correlationId: undefined,
        timeoutMs: 1000,
      });
      connectorFetch.close();
      expect(result).toMatchObject({ kind: "transient", error: expect.stringContaining("SSRF_ALLOW") });
    },
  );
});
