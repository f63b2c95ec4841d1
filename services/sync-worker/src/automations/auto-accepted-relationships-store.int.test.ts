import { runMigrations } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPool } from "../../test/harness.ts";
import { claimRelationship, recordOutcome, releaseClaim } from "./auto-accepted-relationships-store.ts";

// The claim that keeps auto-accept from calling PUT …/Accept twice, without a transaction held
// across the call.
describe("auto-accept claims", () => {
  let db: Pool;
  const connectorId = "con_claims";

  beforeAll(async () => {
    db = createTestPool();
    await runMigrations(db);
  });

  afterAll(async () => {
    await db?.end();
  });

  it("lets one delivery claim; others are busy until it records an outcome, then done", async () => {
    const first = await claimRelationship(db, connectorId, "REL1", 60);
    expect(first.kind).toBe("claimed");
    expect(await claimRelationship(db, connectorId, "REL1", 60)).toStrictEqual({ kind: "busy" });
    await recordOutcome(db, connectorId, "REL1", "accepted");
    expect(await claimRelationship(db, connectorId, "REL1", 60)).toStrictEqual({ kind: "done" });
    expect(await claimRelationship(db, connectorId, "REL1", 0)).toStrictEqual({ kind: "done" });
  });

  it("frees a released claim at once, and a dead holder's claim once it is stale", async () => {
    const first = await claimRelationship(db, connectorId, "REL2", 60);
    if (first.kind !== "claimed") throw new Error("expected a claim");
    await releaseClaim(db, connectorId, "REL2", first.token);
    const second = await claimRelationship(db, connectorId, "REL2", 60);
    expect(second.kind).toBe("claimed");
    // Its holder dies: the claim stands until it is older than the stale time.
    await db.query(
      `UPDATE auto_accepted_relationships SET claimed_at = now() - interval '61 seconds'
        WHERE relationship_id = 'REL2'`,
    );
    const third = await claimRelationship(db, connectorId, "REL2", 60);
    expect(third.kind).toBe("claimed");
    // The dead holder's release no longer touches the new claim.
    if (second.kind === "claimed") await releaseClaim(db, connectorId, "REL2", second.token);
    expect(await claimRelationship(db, connectorId, "REL2", 60)).toStrictEqual({ kind: "busy" });
  });
});
