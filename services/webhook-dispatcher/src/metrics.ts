import { type BreakerState, type HoldReason, measureDueBacklog, countBreakers } from "@event-hub/shared";
import type { Pool } from "pg";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type DispatchMetrics = {
  /** One attempt ended with `outcome`; `firstAttemptLatencySeconds` when it was a delivery's first. */
  attempt(outcome: string, firstAttemptLatencySeconds?: number): void;
  deliveryFailed(): void;
  /** A claim found a destination with due deliveries that could start none (no attempt is made). */
  held(reason: HoldReason): void;
  /** A destination's circuit breaker changed state (counted by the replica that changed it). */
  breakerTransition(from: BreakerState, to: BreakerState): void;
};

/**
 * The dispatcher's metrics. Counters are counted as attempts end; the backlog, its age and the
 * breaker states are read from Postgres when /metrics is scraped, so every replica reports the same
 * totals.
 */
export function createDispatchMetrics(registry: Registry, db: Pool): DispatchMetrics {
  const latency = new Histogram({
    name: "hub_dispatch_event_to_first_attempt_seconds",
    help: "Time from an event's ingest to the first delivery attempt.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const attempts = new Counter({
    name: "hub_dispatch_attempts_total",
    help: "Delivery attempts by outcome class (success, http_error, timeout, dns, connect, tls, ssrf_blocked, ...).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const failed = new Counter({
    name: "hub_dispatch_deliveries_failed_total",
    help: "Deliveries that ended failed (attempts used up or a final error).",
    registers: [registry],
  });
  const held = new Counter({
    name: "hub_dispatch_held_total",
    help: "Claims that found a destination with due deliveries and could start none, by reason (rate_limited, circuit_open, in_flight_limit); held deliveries spend no attempt.",
    labelNames: ["reason"],
    registers: [registry],
  });
  const transitions = new Counter({
    name: "hub_dispatch_breaker_transitions_total",
    help: "Circuit breaker state changes by from and to state (closed, open, half_open); summed over replicas, each change counts once.",
    labelNames: ["from", "to"],
    registers: [registry],
  });
  new Gauge({
    name: "hub_dispatch_due_deliveries",
    help: "Deliveries due now and not leased, over all destinations.",
    registers: [registry],
    async collect() {
      this.set((await measureDueBacklog(db)).due);
    },
  });
  new Gauge({
    name: "hub_dispatch_oldest_due_seconds",
    help: "Age of the oldest due delivery (how late the backlog is).",
    registers: [registry],
    async collect() {
      this.set((await measureDueBacklog(db)).oldestDueSeconds);
    },
  });
  new Gauge({
    name: "hub_dispatch_breakers",
    help: "Enabled destinations by circuit breaker state (closed, open, half_open).",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const counts = await countBreakers(db);
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  return {
    attempt(outcome, firstAttemptLatencySeconds) {
      attempts.inc({ outcome });
      if (firstAttemptLatencySeconds !== undefined) latency.observe(firstAttemptLatencySeconds);
    },
    deliveryFailed: () => failed.inc(),
    held: (reason) => held.inc({ reason }),
    breakerTransition: (from, to) => transitions.inc({ from, to }),
  };
}

/** Open AMQP connections of this process (one per broker URL in use). */
export function registerAmqpConnectionsGauge(registry: Registry, openConnections: () => number): void {
  new Gauge({
    name: "hub_dispatch_amqp_connections",
    help: "AMQP connections this replica holds open (one per broker URL in use; idle ones are closed).",
    registers: [registry],
    collect() {
      this.set(openConnections());
    },
  });
}
