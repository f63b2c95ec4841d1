import {
  claimDeliveries,
  createLogger,
  type BreakerTransition,
  type ClaimedDelivery,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertBacklog, insertDestination, openTestDatabase, TEST_BREAKER } from "../../test/harness.ts";
import { createDispatchMetrics } from "../metrics.ts";
import { createBreakerReporter } from "./breaker-transitions.ts";
import { outcomeWindowOf, type BreakerPolicy } from "./circuit-breaker.ts";
import { classify } from "./classify.ts";
import { createDeliveredRecorder, type DeliveredRecorder } from "./delivered-recorder.ts";
import { attemptInputs, recordAttempts } from "./record.ts";

// The breaker's state as the replicas share it in Postgres: the window's rate and minimum, the
// probes a half-open breaker lets go, closing on a success, and the order outcomes are counted in.
// Claims and records go through the same functions the delivery loop calls, against real Postgres.
describe("circuit breaker state", () => {
  let db: Pool;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterAll(async () => db?.end());

  /** The loop's recorder; `maxWaitMs` long: its successes wait until a drain sends them. */
  const recorderFor = (
    policy: BreakerPolicy,
    closed: BreakerTransition[] = [],
    maxWaitMs = 2,
  ): DeliveredRecorder =>
    createDeliveredRecorder(db, {
      window: outcomeWindowOf(policy),
      onBreakerClosed: (transition) => void closed.push(transition),
      maxWaitMs,
    });

  const claimFor = async (destinationId: string, free = 100) => {
    const claim = await claimDeliveries(db, { owner: "breaker-test", free, leaseSeconds: 30 });
    return {
      deliveries: claim.deliveries.filter((d) => d.destinationId === destinationId),
      holds: claim.holds,
      transitions: claim.transitions.filter((t) => t.destinationId === destinationId),
    };
  };

  /** Records one attempt of a claimed delivery as the loop would: failures are due again at once. */
  const record = (
    delivery: ClaimedDelivery,
    status: number,
    policy: BreakerPolicy,
    delivered: DeliveredRecorder,
  ) => {
    const result = { kind: "response", status, headers: {}, body: "", durationMs: 1 } as const;
    const now = new Date();
    const verdict = classify(result, now);
    const attempts = attemptInputs({
      claim: { destinationId: delivery.destinationId, deliveries: [delivery] },
      startedAt: now,
      result,
      verdict,
      nextAttemptAt: () => now,
    });
    return recordAttempts(
      db,
      { destinationId: delivery.destinationId, attempts, verdict },
      policy,
      delivered,
    );
  };

  const healthOf = async (destinationId: string) =>
    (
      await db.query<{ breaker_open_until: Date | null; breaker_probes: number | null }>(
        "SELECT breaker_open_until, breaker_probes FROM destination_health WHERE destination_id = $1",
        [destinationId],
      )
    ).rows[0];

  it("opens only once the window holds the minimum of attempts at the failure rate", async () => {
    const policy = { ...TEST_BREAKER, minRequests: 20, failureRate: 0.5, cooldownMs: 60_000 };
    const closed: BreakerTransition[] = [];
    const delivered = recorderFor(policy, closed);
    const destinationId = await insertDestination(db, {
      config: { url: "http://127.0.0.1:9/" },
      maxInFlight: 50,
    });
    await insertBacklog(db, destinationId, 40, "rate");
    const { deliveries } = await claimFor(destinationId);
    expect(deliveries).toHaveLength(40);
    const [first, ...rest] = deliveries;

    // 15 successes, then failures: the rate reaches 0.5 only at the 15th failure (30 attempts).
    await Promise.all(rest.slice(0, 15).map((d) => record(d, 200, policy, delivered)));
    const failures = rest.slice(15, 30);
    for (const [index, delivery] of failures.entries()) {
      const outcome = await record(delivery, 503, policy, delivered);
      if (index < failures.length - 1) {
        expect(outcome.breakerTransition, `failure ${index + 1}`).toBeUndefined();
        continue;
      }
      expect(outcome.breakerTransition).toMatchObject({
        destinationId,
        from: "closed",
        to: "open",
        window: { successes: 15, failures: 15 },
      });
    }
    expect(await healthOf(destinationId)).toMatchObject({
      breaker_open_until: expect.any(Date),
      breaker_probes: policy.halfOpenProbes,
    });
    // Open: answers to requests sent before it opened change nothing, a success neither.
    const late = await record(first!, 503, policy, delivered);
    expect(late.breakerTransition).toBeUndefined();
    await record(rest[30]!, 200, policy, delivered);
    expect(closed).toStrictEqual([]);
    expect(await healthOf(destinationId)).toMatchObject({ breaker_open_until: expect.any(Date) });
  });

  it("counts the successes that happened before a failure in the window that failure decides on", async () => {
    // One failure counted, then a success the recorder still holds, then a failure: 2 of 3 failed
    // (0.67, stays closed). Counted out of order, the failure would see 2 of 2 and open.
    const policy = { ...TEST_BREAKER, minRequests: 2, failureRate: 0.7, cooldownMs: 60_000 };
    const delivered = recorderFor(policy, [], 60_000);
    const destinationId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    await insertBacklog(db, destinationId, 3, "order");
    const [a, b, c] = (await claimFor(destinationId)).deliveries;
    expect((await record(a!, 500, policy, delivered)).breakerTransition).toBeUndefined();
    const success = record(b!, 200, policy, delivered); // waiting in the recorder's batch
    const failure = await record(c!, 500, policy, delivered);
    expect(failure.breakerTransition).toBeUndefined();
    expect((await success).moved.size).toBe(1);
    const counted = await db.query(
      `SELECT sum(successes)::int AS successes, sum(failures)::int AS failures
         FROM destination_outcomes WHERE destination_id = $1`,
      [destinationId],
    );
    expect(counted.rows).toStrictEqual([{ successes: 1, failures: 2 }]);
  });

  it("half-open lets at most the probe limit go, re-opens on a failed probe and closes on a success", async () => {
    const policy = { ...TEST_BREAKER, minRequests: 3, failureRate: 0.5, halfOpenProbes: 2, cooldownMs: 200 };
    const closed: BreakerTransition[] = [];
    const delivered = recorderFor(policy, closed);
    const destinationId = await insertDestination(db, {
      config: { url: "http://127.0.0.1:9/" },
      maxInFlight: 10,
    });
    await insertBacklog(db, destinationId, 3, "probe");
    const opening = (await claimFor(destinationId)).deliveries;
    const outcomes = [];
    for (const delivery of opening) outcomes.push(await record(delivery, 503, policy, delivered));
    expect(outcomes.map((o) => o.breakerTransition?.to)).toStrictEqual([undefined, undefined, "open"]);
    await insertBacklog(db, destinationId, 17, "probe-more");

    // Open: nothing goes, and the claim says why.
    const whileOpen = await claimFor(destinationId);
    expect(whileOpen.deliveries).toHaveLength(0);
    expect(whileOpen.holds).toContain("circuit_open");

    // Cooled down: two probes, the transition recorded by the claim that sent them, once.
    const firstProbes = await pollClaim(() => claimFor(destinationId));
    expect(firstProbes.deliveries).toHaveLength(2);
    expect(firstProbes.transitions).toMatchObject([{ from: "open", to: "half_open", probes: 2 }]);
    const meanwhile = await claimFor(destinationId);
    expect([meanwhile.deliveries.length, meanwhile.transitions.length]).toStrictEqual([0, 0]);
    expect(meanwhile.holds).toContain("circuit_open");

    // One probe fails: open again. The other is still in flight and counts against the next probes.
    const [failing, stillOut] = firstProbes.deliveries;
    expect((await record(failing!, 503, policy, delivered)).breakerTransition).toMatchObject({
      from: "half_open",
      to: "open",
    });
    const secondProbes = await pollClaim(() => claimFor(destinationId));
    expect(secondProbes.deliveries).toHaveLength(1);
    expect(secondProbes.transitions).toMatchObject([{ from: "open", to: "half_open" }]);

    // A probe succeeds: closed, reported once, and the destination gets its whole limit again.
    await record(secondProbes.deliveries[0]!, 200, policy, delivered);
    expect(closed).toStrictEqual([{ destinationId, from: "half_open", to: "closed" }]);
    expect(await healthOf(destinationId)).toStrictEqual({ breaker_open_until: null, breaker_probes: null });
    const afterClose = await claimFor(destinationId);
    expect(afterClose.deliveries).toHaveLength(10 - 1); // stillOut holds one place
    expect(stillOut).toBeDefined();
  });

  it("logs every transition with the window's rate and counts, and counts it by from and to", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger(
      { service: "breaker-test", level: "info" },
      {
        write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      },
    );
    const registry = new Registry();
    const report = createBreakerReporter(
      { db, logger, metrics: createDispatchMetrics(registry, db) },
      outcomeWindowOf(TEST_BREAKER),
    );
    const destinationId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    await db.query(
      `INSERT INTO destination_outcomes (destination_id, bucket_start, successes, failures) VALUES ($1, now(), 4, 21)`,
      [destinationId],
    );
    const openUntil = new Date(Date.now() + 30_000);
    report({ destinationId, from: "closed", to: "open", window: { successes: 4, failures: 21 }, openUntil });
    report({ destinationId, from: "open", to: "half_open", probes: 3 });
    report({ destinationId, from: "half_open", to: "closed" });
    await expect.poll(() => lines.length).toBe(3);

    const fields = (line: Record<string, unknown>) => {
      const { severity, message, destinationId: id, from, to, failureRate, successes, failures } = line;
      return { severity, message, id, from, to, failureRate, successes, failures };
    };
    const window = { id: destinationId, failureRate: 0.84, successes: 4, failures: 21 };
    expect(lines.map(fields)).toStrictEqual([
      {
        ...window,
        severity: "WARNING",
        message: expect.stringMatching(/opened/),
        from: "closed",
        to: "open",
      },
      {
        ...window,
        severity: "INFO",
        message: expect.stringMatching(/half-open/),
        from: "open",
        to: "half_open",
      },
      {
        ...window,
        severity: "INFO",
        message: expect.stringMatching(/closed/),
        from: "half_open",
        to: "closed",
      },
    ]);
    expect(lines[0]).toMatchObject({ openUntil: openUntil.toISOString() });
    expect(lines[1]).toMatchObject({ probes: 3 });
    const metrics = await registry.metrics();
    for (const [from, to] of [
      ["closed", "open"],
      ["open", "half_open"],
      ["half_open", "closed"],
    ])
      expect(metrics).toContain(`hub_dispatch_breaker_transitions_total{from="${from}",to="${to}"} 1`);
  });
});

/** Claims until the claim leases something (the cool-down has passed). */
async function pollClaim<T extends { deliveries: unknown[] }>(claim: () => Promise<T>): Promise<T> {
  for (;;) {
    const result = await claim();
    if (result.deliveries.length > 0) return result;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
