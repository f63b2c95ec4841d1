import type { Logger } from "./logger.ts";

/** An event as the runtime publishes it (`DataEvent {namespace, eventTargetAddress, data}`). */
export type SimEvent = {
  namespace: string;
  eventTargetAddress: string;
  data: unknown;
  /** The correlation id of the API call or sync that raised it (what webhooks send as x-correlation-id). */
  correlationId: string | undefined;
  /** Position in this Connector's event log, from 1. */
  seq: number;
  raisedAt: string;
  /** Raised by the load mode: the runtime modules do not react to it, so N/s stays N/s. */
  synthetic?: true;
};

export type EventHandler = (event: SimEvent) => void;

/**
 * EventEmitter2-style wildcard matching, as the runtime bus does it: segments split on `.`,
 * `*` matches exactly one segment, `**` matches any number of segments (also none).
 */
export function matchesTrigger(pattern: string, namespace: string): boolean {
  return matchSegments(pattern.split("."), namespace.split("."));
}

function matchSegments(pattern: string[], namespace: string[]): boolean {
  const [head, ...rest] = pattern;
  if (head === undefined) return namespace.length === 0;
  if (head === "**") {
    for (let skip = 0; skip <= namespace.length; skip++) {
      if (matchSegments(rest, namespace.slice(skip))) return true;
    }
    return false;
  }
  if (namespace.length === 0) return false;
  return (head === "*" || head === namespace[0]) && matchSegments(rest, namespace.slice(1));
}

/**
 * One Connector's event bus. Handlers run synchronously inside publish(), so module reactions
 * (RequestModule, DeciderModule) raise their events in the order the runtime's handlers do; a
 * handler that throws is logged and does not stop the others (like the runtime's bus).
 */
export class EventBus {
  private readonly subscriptions = new Set<{ pattern: string; handler: EventHandler }>();
  private readonly log: SimEvent[] = [];
  private readonly maxLogSize: number;
  private readonly logger: Logger;
  private seq = 0;

  constructor(logger: Logger, options: { maxLogSize?: number } = {}) {
    this.logger = logger;
    this.maxLogSize = options.maxLogSize ?? 10_000;
  }

  subscribe(pattern: string, handler: EventHandler): () => void {
    const subscription = { pattern, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  publish(event: Omit<SimEvent, "seq" | "raisedAt">): SimEvent {
    const full: SimEvent = { ...event, seq: ++this.seq, raisedAt: new Date().toISOString() };
    this.log.push(full);
    if (this.log.length > this.maxLogSize) this.log.shift();
    for (const { pattern, handler } of [...this.subscriptions]) {
      if (!matchesTrigger(pattern, full.namespace)) continue;
      try {
        handler(full);
      } catch (error) {
        this.logger.error(`An error was thrown in an event handler (namespace: '${full.namespace}')`, error);
      }
    }
    return full;
  }

  /** Events raised so far (the newest `maxLogSize`), optionally only those after `afterSeq`. */
  events(afterSeq = 0): SimEvent[] {
    return this.log.filter((event) => event.seq > afterSeq);
  }

  get lastSeq(): number {
    return this.seq;
  }
}
