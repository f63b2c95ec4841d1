import { describe, expect, it } from "vitest";
import { parsePublishTrace } from "./publish-trace.ts";

// Lines as sync-worker writes them (shared/src/logger.ts: ISO time, severity, message).
const line = (fields: Record<string, unknown>): string =>
  JSON.stringify({ severity: "DEBUG", serviceContext: { service: "sync-worker" }, ...fields });

describe("parsePublishTrace", () => {
  it("reads acks at ingest and by the relay, and outbox stores, with their times", () => {
    const trace = parsePublishTrace([
      line({
        time: "2026-12-02T10:00:00.100Z",
        eventId: "evt_1",
        messageId: "5",
        publishedVia: "ingest",
        message: "event acked by Pub/Sub",
      }),
      line({ time: "2026-12-02T10:00:00.200Z", eventId: "evt_2", message: "event stored in the outbox" }),
      line({
        time: "2026-12-02T10:00:00.300Z",
        severity: "WARNING",
        eventId: "evt_3",
        message: "Pub/Sub did not take the event; stored in the outbox",
      }),
      line({
        time: "2026-12-02T10:00:01.000Z",
        eventIds: ["evt_2", "evt_3"],
        publishedVia: "relay",
        message: "outbox events acked by Pub/Sub",
      }),
      line({
        time: "2026-12-02T10:00:02.000Z",
        eventIds: ["evt_2"],
        publishedVia: "relay",
        message: "outbox events acked by Pub/Sub",
      }),
      "not json: a line of node's own",
      "",
    ]);
    expect(trace.hasDebugLines).toBe(true);
    expect(trace.acksByEventId.get("evt_1")).toStrictEqual([
      { atMs: Date.parse("2026-12-02T10:00:00.100Z"), via: "ingest", messageId: "5" },
    ]);
    expect(trace.acksByEventId.get("evt_2")?.map((ack) => ack.atMs)).toStrictEqual([
      Date.parse("2026-12-02T10:00:01.000Z"),
      Date.parse("2026-12-02T10:00:02.000Z"),
    ]);
    expect([...trace.outboxAtMsByEventId.keys()]).toStrictEqual(["evt_2", "evt_3"]);
  });

  it("says when there is no debug line at all (LOG_LEVEL above debug: the trace proves nothing)", () => {
    const trace = parsePublishTrace([
      line({ time: "2026-12-02T10:00:00.000Z", severity: "INFO", message: "listening" }),
    ]);
    expect(trace.hasDebugLines).toBe(false);
    expect(trace.acksByEventId.size).toBe(0);
  });
});
