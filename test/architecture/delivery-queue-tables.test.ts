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
const TABLES = "events|deliveries|delivery_attempts|destination_health|destination_outcomes";
const WRITES = new RegExp(
  String.raw`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(?:${TABLES})\b`,
  "gi",
);
const CHANNEL = /\bdeliveries_due\b/g;

// Tests arrange states no production path writes on its own (a lease that ran out, a breaker that
// opened, an attempt two days old) with plain SQL on purpose: they test the queue's behaviour from
// those states. Every other file goes through the module.
const arrangesTestState = (path: string): boolean =>
  path.endsWith(".test.ts") || /^services\/[^/]+\/test\//.test(path);

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
      .filter(([path]) => !arrangesTestState(path))
      .map(([path, touches]) => `${path}: ${touches.join(", ")}`);
    if (violations.length > 0) console.error(`outside ${OWNER}:\n  ${violations.join("\n  ")}`);
    expect(violations).toStrictEqual([]);
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
