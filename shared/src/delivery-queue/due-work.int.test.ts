import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasDueWork } from "./due-work.ts";
import { insertDestination, openQueueTestDatabase } from "./queue-fixtures.ts";

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Actual Rows"?: number; Plans?: PlanNode[] };

// The claim asks "does this destination have due work?" of every destination on every claim. Asked
// as a subquery it stays a per-destination probe of the due index, whatever Postgres' statistics
// say: no plan reads a destination's backlog row by row.
describe("hasDueWork", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openQueueTestDatabase();
  });

  afterAll(async () => db?.end());

  it("reads one delivery per destination with due work, however large its backlog", async () => {
    const busy = await insertDestination(db);
    const quiet = await insertDestination(db);
    await db.query(`ANALYZE deliveries`); // statistics from before the backlog, as after a burst
    await db.query(
      `INSERT INTO events (id, connector_id, trigger, data, occurred_at)
       SELECT 'evt_due_' || g, 'con_due', 'a.b', '{}', now() FROM generate_series(1, 5000) g`,
    );
    await db.query(
      `INSERT INTO deliveries (id, event_id, destination_id, connector_id)
       SELECT 'dlv_due_' || g, 'evt_due_' || g, $1, 'con_due' FROM generate_series(1, 5000) g`,
      [busy],
    );
    const result = await db.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON)
       SELECT d.id FROM destinations d WHERE d.id = ANY ($1::text[]) AND ${hasDueWork("d")}`,
      [[busy, quiet]],
    );
    const plan = result.rows[0]?.["QUERY PLAN"][0]?.Plan;
    const deliveryReads = nodesOf(plan).filter((node) => node["Relation Name"] === "deliveries");
    expect(deliveryReads.length).toBeGreaterThan(0);
    for (const node of deliveryReads) expect(node["Actual Rows"]).toBeLessThanOrEqual(1);
    expect(nodesOf(plan).map((node) => node["Node Type"])).not.toContain("Aggregate");
  });
});

function nodesOf(node: PlanNode | undefined): PlanNode[] {
  return node ? [node, ...(node.Plans ?? []).flatMap(nodesOf)] : [];
}
