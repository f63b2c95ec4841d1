import { existsSync, readFileSync } from "node:fs";

/**
 * What sync-worker's own log says about each event's way into Pub/Sub, read from its log file after
 * a scenario. At LOG_LEVEL=debug sync-worker logs every publish Pub/Sub acked, once it read the ack:
 * `{eventId, messageId, publishedVia: "ingest"}` (event-acceptor.ts) and `{eventIds, publishedVia:
 * "relay"}` (outbox-relay.ts), and every event it stored in the outbox instead. The line's `time` is
 * an upper bound of when the ack arrived. Used only to tell why an event was lost, never whether.
 */

export type PublishAck = { atMs: number; via: "ingest" | "relay"; messageId?: string };

export type PublishTrace = {
  /** Every ack sync-worker logged for an event, in log order (a relayed row may be published twice). */
  acksByEventId: Map<string, PublishAck[]>;
  /** When each event was stored in the outbox instead of being published at ingest. */
  outboxAtMsByEventId: Map<string, number>;
  /** Lines at debug level were there at all: without them the trace proves nothing. */
  hasDebugLines: boolean;
};

type LogLine = {
  time?: string;
  severity?: string;
  message?: string;
  eventId?: string;
  eventIds?: string[];
  messageId?: string;
  publishedVia?: string;
};

export function readPublishTrace(logFile: string): PublishTrace {
  const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  return parsePublishTrace(text.split("\n"));
}

export function parsePublishTrace(lines: readonly string[]): PublishTrace {
  const trace: PublishTrace = {
    acksByEventId: new Map(),
    outboxAtMsByEventId: new Map(),
    hasDebugLines: false,
  };
  for (const raw of lines) {
    const line = parseLine(raw);
    const atMs = line?.time === undefined ? Number.NaN : Date.parse(line.time);
    if (!line || Number.isNaN(atMs)) continue;
    if (line.severity === "DEBUG") trace.hasDebugLines = true;
    if (line.publishedVia === "ingest" && line.eventId) {
      addAck(trace, line.eventId, {
        atMs,
        via: "ingest",
        ...(line.messageId ? { messageId: line.messageId } : {}),
      });
    } else if (line.publishedVia === "relay" && Array.isArray(line.eventIds)) {
      for (const eventId of line.eventIds) addAck(trace, eventId, { atMs, via: "relay" });
    } else if (line.eventId && /stored in the outbox/.test(line.message ?? "")) {
      if (!trace.outboxAtMsByEventId.has(line.eventId)) trace.outboxAtMsByEventId.set(line.eventId, atMs);
    }
  }
  return trace;
}

function addAck(trace: PublishTrace, eventId: string, ack: PublishAck): void {
  const acks = trace.acksByEventId.get(eventId) ?? [];
  acks.push(ack);
  trace.acksByEventId.set(eventId, acks);
}

function parseLine(raw: string): LogLine | undefined {
  if (!raw.startsWith("{")) return undefined;
  try {
    return JSON.parse(raw) as LogLine;
  } catch {
    return undefined;
  }
}
