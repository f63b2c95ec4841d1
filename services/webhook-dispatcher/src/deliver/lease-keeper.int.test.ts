import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { destinationConfigSealing, newId, claimDeliveries } from "@event-hub/shared";
import type { Pool } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDispatcherChild } from "../../test/dispatcher-process.ts";
import { createEventTopic, createTestPubSub } from "../../test/event-topic.ts";
import {
  createHookReceivers,
  insertBacklog,
  insertDestination,
  openTestDatabase,
  secrets,
  startTestDeliveryLoop,
  TEST_BREAKER,
} from "../../test/harness.ts";
import { waitForCondition } from "../../test/wait-for-condition.ts";
import { outcomeWindowOf } from "./circuit-breaker.ts";
import { classify } from "./classify.ts";
import { createDeliveredRecorder } from "./delivered-recorder.ts";
import { attemptInputs, recordAttempts } from "./record.ts";

/** A receiver that holds each request `delayMs` and counts, per `webhook-id`, the requests open at once. */
type CountingReceiver = {
  url: string;
  posts: string[];
  maxOpenPerId(): number;
  openNow(): number;
  setDelayMs(ms: number): void;
  setStatus(status: number): void;
  close(): Promise<void>;
};

async function startCountingReceiver(delayMs: number, status = 200): Promise<CountingReceiver> {
  const open = new Map<string, number>();
  const posts: string[] = [];
  let maxOpen = 0;
  let openNow = 0;
  const server: Server = createServer((request, response) => {
    const id = String(request.headers["webhook-id"]);
    posts.push(id);
    open.set(id, (open.get(id) ?? 0) + 1);
    maxOpen = Math.max(maxOpen, open.get(id) ?? 0);
    openNow += 1;
    // A request whose client went away still counts as open until the receiver would have answered:
    // the receiver does not know the hub gave up.
    request.resume();
    const answerStatus = status;
    setTimeout(() => {
      open.set(id, (open.get(id) ?? 1) - 1);
      openNow -= 1;
      if (!response.destroyed) response.writeHead(answerStatus).end();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    posts,
    maxOpenPerId: () => maxOpen,
    openNow: () => openNow,
    setDelayMs: (ms) => void (delayMs = ms),
    setStatus: (next) => void (status = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OAuth2 token endpoint that takes `delayMs` to answer each token request. */
async function startSlowTokenEndpoint(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  let issued = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () =>
      setTimeout(() => {
        issued += 1;
        response
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ access_token: `tok-${issued}`, token_type: "Bearer", expires_in: 3600 }));
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Leases against real Postgres and local HTTP servers: renewed while the work runs, fenced by a
// token per claim, and short enough that a killed worker's deliveries come back in seconds.
describe("delivery leases", () => {
  let db: Pool;
  const closers: Array<() => Promise<void>> = [];
  const stops: Array<() => Promise<void>> = [];
  const receivers = createHookReceivers();
  const counting = async (delayMs: number, status = 200) => {
    const receiver = await startCountingReceiver(delayMs, status);
    closers.push(receiver.close);
    return receiver;
  };
  const startWorker = (owner: string, leaseSeconds: number) => {
    const loop = startTestDeliveryLoop(db, { owner, leaseSeconds, pollIntervalMs: 50 });
    stops.push(loop.stop);
    return loop;
  };
  const attemptsOf = async (destinationId: string) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
          WHERE d.destination_id = $1`,
        [destinationId],
      )
    ).rows[0]?.n ?? 0;
  const deliveriesOf = async (destinationId: string) =>
    (
      await db.query<{
        id: string;
        status: string;
        attempt_count: number;
        lease_owner: string | null;
        lease_token: string | null;
        last_error: string | null;
      }>(
        `SELECT id, status, attempt_count, lease_owner, lease_token, last_error FROM deliveries
          WHERE destination_id = $1 ORDER BY seq`,
        [destinationId],
      )
    ).rows;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  afterAll(async () => {
    for (const close of closers) await close();
    await receivers.closeAll();
    await db?.end();
  });

  it("slow token endpoint + slow receiver, lease shorter than both: one POST at a time per delivery, one attempt row per POST", async () => {
    // Each step takes 1.2 s (the timeout, 3 s, leaves room on a busy machine); the 1.5 s lease is
    // shorter than token fetch + send, so only renewal keeps it.
    const tokens = await startSlowTokenEndpoint(1200);
    closers.push(tokens.close);
    const receiver = await counting(1200);
    const oauthDestinationId = newId("whk");
    const destinationId = await insertDestination(db, {
      id: oauthDestinationId,
      config: {
        url: receiver.url,
        authentication: {
          type: "OAuth2",
          accessTokenUrl: tokens.url,
          clientId: "hub",
          clientSecretSealed: secrets.seal(
            "secret",
            destinationConfigSealing(oauthDestinationId, "authentication.clientSecretSealed"),
          ),
        },
      },
      timeoutMs: 3000,
    });
    await insertBacklog(db, destinationId, 6, "lease-slow");
    // Two replicas, each with its own token cache: a lease that ran out would be claimed by either.
    startWorker("replica-a", 1.5);
    startWorker("replica-b", 1.5);

    await waitForCondition(
      async () => (await deliveriesOf(destinationId)).every((d) => d.status === "delivered"),
      30_000,
    );
    expect(receiver.maxOpenPerId()).toBe(1);
    expect(new Set(receiver.posts).size).toBe(6);
    expect(receiver.posts).toHaveLength(6);
    expect(await attemptsOf(destinationId)).toBe(receiver.posts.length);
    expect((await deliveriesOf(destinationId)).map((d) => d.attempt_count)).toStrictEqual(Array(6).fill(1));
  });

  it("a second claimer cannot take a lease that is being renewed", async () => {
    const receiver = await counting(3000);
    const destinationId = await insertDestination(db, { config: { url: receiver.url }, timeoutMs: 5000 });
    await insertBacklog(db, destinationId, 1, "lease-renewed");
    startWorker("holder", 1);
    await waitForCondition(() => receiver.openNow() === 1, 10_000);
    const [claimed] = await deliveriesOf(destinationId);

    // Twice the lease length later, the lease is still the first claim's, and nobody can claim it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const [later] = await deliveriesOf(destinationId);
    expect(later).toMatchObject({
      status: "pending",
      lease_owner: "holder",
      lease_token: claimed?.lease_token,
    });
    const second = await claimDeliveries(db, {
      owner: "intruder",
      free: 10,
      leaseSeconds: 1,
    });
    expect(second.deliveries.map((d) => d.id)).not.toContain(claimed?.id);

    await waitForCondition(
      async () => (await deliveriesOf(destinationId))[0]?.status === "delivered",
      10_000,
    );
    expect(receiver.posts).toHaveLength(1);
    expect(await attemptsOf(destinationId)).toBe(1);
  });

  it("a worker whose lease was taken over aborts its POST, records its attempt, and leaves the delivery's state alone", async () => {
    const receiver = await counting(4000);
    const destinationId = await insertDestination(db, { config: { url: receiver.url }, timeoutMs: 8000 });
    await insertBacklog(db, destinationId, 1, "lease-taken");
    startWorker("late", 2);
    await waitForCondition(() => receiver.openNow() === 1, 10_000);
    // Another claim takes the delivery (as if the lease had run out and another replica claimed it).
    await db.query(
      `UPDATE deliveries SET lease_owner = 'successor', lease_token = gen_random_uuid(),
              next_attempt_at = now() + interval '1 hour'
        WHERE destination_id = $1`,
      [destinationId],
    );

    await waitForCondition(async () => (await attemptsOf(destinationId)) === 1, 10_000);
    const attempt = await db.query<{ outcome: string; attempt_number: number; next_attempt_at: Date | null }>(
      `SELECT a.outcome, a.attempt_number, a.next_attempt_at FROM delivery_attempts a
         JOIN deliveries d ON d.id = a.delivery_id WHERE d.destination_id = $1`,
      [destinationId],
    );
    expect(attempt.rows).toStrictEqual([{ outcome: "lease_lost", attempt_number: 1, next_attempt_at: null }]);
    expect(await deliveriesOf(destinationId)).toMatchObject([
      { status: "pending", lease_owner: "successor", last_error: null, attempt_count: 1 },
    ]);
    expect(receiver.posts).toHaveLength(1);
  });

  it("recording after the lease was taken over writes the attempt row but not the outcome", async () => {
    const destinationId = await insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    await insertBacklog(db, destinationId, 2, "lease-fence");
    const { deliveries } = await claimDeliveries(db, {
      owner: "same-process",
      free: 10,
      leaseSeconds: 30,
    });
    const mine = deliveries.filter((d) => d.destinationId === destinationId);
    expect(mine).toHaveLength(2);
    // Both claimed again by the same process (same owner name): only the token tells the claims apart.
    await db.query(
      `UPDATE deliveries SET lease_token = gen_random_uuid(), next_attempt_at = now() + interval '1 hour'
        WHERE destination_id = $1`,
      [destinationId],
    );
    const breaker = { ...TEST_BREAKER, minRequests: 1, failureRate: 0.01, cooldownMs: 60_000 };
    const delivered = createDeliveredRecorder(db, {
      window: outcomeWindowOf(breaker),
      onBreakerClosed: () => {},
    });
    const now = new Date();
    const results = [
      { kind: "response", status: 500, headers: {}, body: "down", durationMs: 3 },
      { kind: "response", status: 200, headers: {}, body: "ok", durationMs: 3 },
    ] as const;
    for (const [i, delivery] of mine.entries()) {
      const result = results[i]!;
      const verdict = classify(result, now);
      const attempts = attemptInputs({
        claim: { destinationId, deliveries: [delivery] },
        startedAt: now,
        result,
        verdict,
        nextAttemptAt: () => new Date(Date.now() + 60_000),
      });
      const outcome = await recordAttempts(db, { destinationId, attempts, verdict }, breaker, delivered);
      expect([outcome.written.size, outcome.moved.size]).toStrictEqual([1, 0]); // row written, state not moved
    }

    expect(await deliveriesOf(destinationId)).toMatchObject([
      { status: "pending", lease_owner: "same-process", last_error: null, attempt_count: 1 },
      { status: "pending", lease_owner: "same-process", last_error: null, attempt_count: 1 },
    ]);
    expect(await attemptsOf(destinationId)).toBe(2);
    // A late worker's outcomes do not count against the destination (one failure would open it).
    const health = await db.query(`SELECT 1 FROM destination_health WHERE destination_id = $1`, [
      destinationId,
    ]);
    expect(health.rowCount).toBe(0);
  });

  it("a 410 disables the destination and every POST still in flight gets its attempt row", async () => {
    const receiver = await counting(300, 410);
    const destinationId = await insertDestination(db, { config: { url: receiver.url }, maxInFlight: 5 });
    await insertBacklog(db, destinationId, 5, "lease-gone");
    startWorker("gone", 20);

    await waitForCondition(async () => receiver.openNow() === 0 && receiver.posts.length > 0, 10_000);
    await waitForCondition(async () => (await attemptsOf(destinationId)) === receiver.posts.length, 10_000);
    expect(receiver.posts.length).toBeGreaterThan(1); // several were in flight together
    expect((await deliveriesOf(destinationId)).map((d) => d.status)).toStrictEqual(Array(5).fill("parked"));
  });

  it("a SIGKILLed worker's delivery is claimed again within two lease lengths", async () => {
    const leaseSeconds = 5;
    const slow = await receivers.start();
    slow.answer(() => ({ status: 200, delayMs: 60_000 }));
    const destinationId = await insertDestination(db, { config: { url: slow.url }, timeoutMs: 30_000 });
    await insertBacklog(db, destinationId, 1, "lease-killed");
    const pubsub = createTestPubSub();
    closers.push(() => pubsub.close());
    const { topicName, subscriptionName } = await createEventTopic(pubsub);
    const { child } = await startDispatcherChild({
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      SECRETS_KEY: randomBytes(32).toString("base64"),
      PUBSUB_TOPIC: topicName,
      PUBSUB_SUBSCRIPTION: subscriptionName,
      SSRF_ALLOW: "127.0.0.0/8",
      DELIVERY_LEASE_SECONDS: String(leaseSeconds),
    });
    closers.push(async () => void (await child.stop()));
    await waitForCondition(async () => (await deliveriesOf(destinationId))[0]?.lease_owner !== null, 30_000);
    child.kill("SIGKILL");
    await child.exited;

    const fast = await counting(0);
    await db.query(`UPDATE destinations SET config = $2 WHERE id = $1`, [destinationId, { url: fast.url }]);
    startWorker("survivor", leaseSeconds);
    await waitForCondition(
      async () => (await deliveriesOf(destinationId))[0]?.status === "delivered",
      2 * leaseSeconds * 1000 + 2000,
    );
    expect(fast.posts).toHaveLength(1);
  });
});
