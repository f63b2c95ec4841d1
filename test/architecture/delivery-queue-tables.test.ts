import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The delivery queue is the one contract between the services, so one module owns it: only
// shared/src/delivery-queue/ writes the queue's tables or names its wake-up channel. An import rule
// cannot see SQL in a string, so this test reads every TypeScript file of the repository.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OWNER = "shared/src/delivery-queue/";
const SELF = "test/architecture/delivery-queue-tables.test.ts";
const TABLES = "events|deliveries|delivery_attempts|destination_health";
const WRITES = new RegExp(
  String.raw`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(?:${TABLES})\b`,
  "gi",
);
const CHANNEL = /\bdeliveries_due\b/g;

// Files that still write the tables or name the channel themselves, until the delivery-queue
// module takes them over. Empty in spirit: the list may only shrink. A file that leaves the list
// behind (moved, or now going through the module) must be taken off it too, so it cannot rot.
const NOT_YET_THROUGH_THE_QUEUE = [
  "services/api-gateway/src/requeue-deliveries.ts",
  "services/api-gateway/src/routes/connector-tenancy.int.test.ts",
  "services/api-gateway/src/routes/deliveries-events.int.test.ts",
  "services/api-gateway/src/routes/paging.int.test.ts",
  "services/api-gateway/src/routes/valid-writes.property.int.test.ts",
  "services/api-gateway/src/store/deliveries.ts",
  "services/api-gateway/src/store/events.ts",
  "services/webhook-dispatcher/src/batch.int.test.ts",
  "services/webhook-dispatcher/src/claim.int.test.ts",
  "services/webhook-dispatcher/src/isolation.int.test.ts",
  "services/webhook-dispatcher/src/lease-keeper.int.test.ts",
  "services/webhook-dispatcher/src/metrics.int.test.ts",
  "services/webhook-dispatcher/src/operator-events.int.test.ts",
  "services/webhook-dispatcher/src/record.ts",
  "services/webhook-dispatcher/src/retention.int.test.ts",
  "services/webhook-dispatcher/src/store/attempts.ts",
  "services/webhook-dispatcher/src/store/batched-writes.int.test.ts",
  "services/webhook-dispatcher/src/store/batches.ts",
  "services/webhook-dispatcher/src/store/deliveries.ts",
  "services/webhook-dispatcher/src/store/destinations.ts",
  "services/webhook-dispatcher/src/store/events.ts",
  "services/webhook-dispatcher/src/store/health.ts",
  "services/webhook-dispatcher/src/store/retention.ts",
  "services/webhook-dispatcher/src/wake-listener.ts",
  "services/webhook-dispatcher/test/harness.ts",
];

function typeScriptFiles(): string[] {
  return readdirSync(ROOT, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && !/(^|\/)(node_modules|\.tools|\.local|coverage)\//.test(path))
    .sort();
}

/** Each statement or channel name in `text` that only the queue module may write. */
function queueTouches(text: string): string[] {
  return [...text.matchAll(WRITES), ...text.matchAll(CHANNEL)].map(([match]) => match.replace(/\s+/g, " "));
}

/** path → what it touches, for every file outside the queue module that touches the queue. */
function filesTouchingTheQueue(): Map<string, string[]> {
  const touching = new Map<string, string[]>();
  for (const path of typeScriptFiles()) {
    if (path.startsWith(OWNER) || path === SELF) continue;
    const touches = queueTouches(readFileSync(join(ROOT, path), "utf8"));
    if (touches.length > 0) touching.set(path, [...new Set(touches)]);
  }
  return touching;
}

describe("the delivery queue's tables", () => {
  const touching = filesTouchingTheQueue();

  it("are written, and its channel named, only by shared/src/delivery-queue/", () => {
    const violations = [...touching]
      .filter(([path]) => !NOT_YET_THROUGH_THE_QUEUE.includes(path))
      .map(([path, touches]) => `${path}: ${touches.join(", ")}`);
    if (violations.length > 0) console.error(`outside ${OWNER}:\n  ${violations.join("\n  ")}`);
    expect(violations).toStrictEqual([]);
  });

  it("keeps its list of files not yet going through the queue module exact, so it only shrinks", () => {
    const stale = NOT_YET_THROUGH_THE_QUEUE.filter((path) => !touching.has(path));
    if (stale.length > 0)
      console.error(`no longer touch the queue, take off the list:\n  ${stale.join("\n  ")}`);
    expect(stale).toStrictEqual([]);
  });

  it("recognises the statements and the channel however they are spaced", () => {
    expect(
      queueTouches('INSERT INTO\n   deliveries (id) VALUES ($1); update "events" SET x = 1'),
    ).toStrictEqual(["INSERT INTO deliveries", 'update "events']);
    expect(
      queueTouches("DELETE FROM delivery_attempts; SELECT pg_notify('deliveries_due', '')"),
    ).toStrictEqual(["DELETE FROM delivery_attempts", "deliveries_due"]);
    expect(
      queueTouches("SELECT * FROM deliveries; UPDATE destinations SET x = 1; INSERT INTO events_archive"),
    ).toStrictEqual([]);
  });
});
