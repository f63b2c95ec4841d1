import { randomBytes } from "node:crypto";

/**
 * A name no other test, worker or run uses (`orders-1a2b3c4d5e6f`), for per-test Pub/Sub topics and
 * subscriptions, queues and rows: tests share one emulator and one database per run.
 * Letters, digits and `-` only, valid for Pub/Sub names (3–255 characters, starting with a letter).
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}
