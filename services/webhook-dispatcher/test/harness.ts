import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createLogger,
  createPool,
  createSecretBox,
  createSsrfPolicy,
  newId,
  runMigrations,
  signingSecretSealing,
  type SecretBox,
} from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { BreakerPolicy } from "../src/deliver/circuit-breaker.ts";
import { startConsumer } from "../src/consume/consumer.ts";
import { startDeliveryLoop, type DeliveryLoop } from "../src/deliver/delivery-loop.ts";
import type { DeliveryLoopOptions } from "../src/deliver/delivery-context.ts";
import type { DispatchMetrics } from "../src/metrics.ts";
import { createTokenCache } from "../src/destinations/webhook/oauth2-token-cache.ts";
import type { OperatorEvents } from "../src/operator-events.ts";
import { createSender } from "../src/destinations/webhook/send.ts";
import { listenForDueDeliveries } from "../src/deliver/wake-listener.ts";
import { createEventTopic, createTestPubSub, publishTestEvent, type TestEvent } from "./event-topic.ts";

/** Harness for the dispatcher's integration tests: real Postgres, real emulator, real HTTP receivers. */

export const logger = createLogger({ service: "webhook-dispatcher-test", level: "silent" });
export const secrets: SecretBox = createSecretBox({ key: randomBytes(32).toString("base64") });

export async function openTestDatabase(): Promise<Pool> {
  const db = createPool({
    connectionString: process.env.DATABASE_URL ?? "",
    max: 10,
    applicationName: "dispatcher-test",
    logger,
  });
  await runMigrations(db);
  return db;
}

export type DestinationInput = {
  /** Given when a test seals config fields itself (sealed values are bound to their row). */
  id?: string;
  type?: "webhook" | "amqp" | "batch";
  config: Record<string, unknown>;
  triggers?: string[];
  connectorIds?: string[] | null;
  ordered?: boolean;
  maxInFlight?: number;
  rateLimitPerSecond?: number | null;
  retryScheduleSeconds?: number[] | null;
  retryClientErrors?: boolean;
  timeoutMs?: number;
  /** Plain `whsec_` secrets; sealed when stored. */
  signingSecrets?: string[];
};

/** Inserts a destination row as api-gateway writes it (config sealed where the contract says so). */
export async function insertDestination(db: Pool, input: DestinationInput): Promise<string> {
  const id = input.id ?? newId("whk");
  await db.query(
    `INSERT INTO destinations (id, type, triggers, connector_ids, config, ordered, max_in_flight,
       rate_limit_per_second, retry_schedule_seconds, retry_client_errors, timeout_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      input.type ?? "webhook",
      input.triggers ?? ["**"],
      input.connectorIds ?? null,
      input.config,
      input.ordered ?? false,
      input.maxInFlight ?? 10,
      input.rateLimitPerSecond ?? null,
      input.retryScheduleSeconds ?? null,
      input.retryClientErrors ?? true,
      input.timeoutMs ?? 15000,
    ],
  );
  for (const secret of input.signingSecrets ?? []) {
    await db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
      id,
      secrets.seal(secret, signingSecretSealing(id)),
    ]);
  }
  return id;
}

export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export type TestDispatcherOptions = {
  concurrency?: number;
  pollIntervalMs?: number;
  leaseSeconds?: number;
  breaker?: Partial<BreakerPolicy>;
  operations?: OperatorEvents;
  metrics?: DispatchMetrics;
};

export type TestDispatcher = {
  pubsub: PubSub;
  topic: Topic;
  publish(event: TestEvent): Promise<string>;
  stop(): Promise<void>;
};

/** The consumer and delivery loop in this process, on a topic and subscription of their own. */
export async function startTestDispatcher(
  db: Pool,
  options: TestDispatcherOptions = {},
): Promise<TestDispatcher> {
  const pubsub = createTestPubSub();
  const { subscriptionName, topic } = await createEventTopic(pubsub);
  const loop = startTestDeliveryLoop(db, { concurrency: 50, pollIntervalMs: 100, ...options });
  const listener = await listenForDueDeliveries(process.env.DATABASE_URL ?? "", logger, loop.wake);
  const subscription = startConsumer(
    pubsub,
    { subscriptionName, maxMessages: 100 },
    { db, logger, onDeliveriesStored: loop.wake },
  );
  return {
    pubsub,
    topic,
    publish: (input) => publishTestEvent(topic, input),
    async stop() {
      await subscription.close();
      await loop.stop();
      await listener.stop();
      await pubsub.close();
    },
  };
}

/** The service's breaker defaults, with a short cool-down so tests see it probe. */
export const TEST_BREAKER: BreakerPolicy = {
  windowMs: 30_000,
  minRequests: 20,
  failureRate: 0.5,
  halfOpenProbes: 3,
  cooldownMs: 500,
  autoDisableAfterMs: 3_600_000,
};

export type TestDeliveryLoopOptions = Partial<Omit<DeliveryLoopOptions, "breaker">> & {
  breaker?: Partial<BreakerPolicy>;
  metrics?: DispatchMetrics;
  operations?: OperatorEvents;
};

/** A delivery loop with a sender of its own that may reach loopback; `stop` closes both. */
export function startTestDeliveryLoop(db: Pool, options: TestDeliveryLoopOptions = {}): DeliveryLoop {
  const { metrics, operations, breaker, ...loopOptions } = options;
  const sender = createSender(createSsrfPolicy(["127.0.0.0/8", "::1"]));
  const loop = startDeliveryLoop(
    {
      db,
      logger,
      secrets,
      sender,
      tokens: createTokenCache(sender),
      ...(metrics ? { metrics } : {}),
      ...(operations ? { operations } : {}),
    },
    {
      owner: uniqueName("worker"),
      concurrency: 10,
      pollIntervalMs: 50,
      leaseSeconds: 30,
      ...loopOptions,
      breaker: { ...TEST_BREAKER, ...breaker },
    },
  );
  return {
    wake: loop.wake,
    async stop() {
      await loop.stop();
      sender.close();
    },
  };
}

export type ReceivedHook = { url: string; headers: IncomingHttpHeaders; body: string; status: number };

/** A local receiver whose answer a function decides per request (status, optional delay). */
export type HookReceiver = {
  url: string;
  port: number;
  /** Every request, with the status it was answered with. */
  received: ReceivedHook[];
  /** Most requests open at once (since the last reset). */
  maxConcurrent(): number;
  /** Starts counting the most requests open at once anew, from those open now. */
  resetMaxConcurrent(): void;
  answer(
    decide: (request: { headers: IncomingHttpHeaders; body: string }) => {
      status: number;
      delayMs?: number;
      headers?: Record<string, string>;
    },
  ): void;
  waitUntil(predicate: (received: ReceivedHook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startHookReceiver(port = 0): Promise<HookReceiver> {
  const received: ReceivedHook[] = [];
  let open = 0;
  let maxOpen = 0;
  let decide: Parameters<HookReceiver["answer"]>[0] = () => ({ status: 200 });
  const server = createServer((request, response: ServerResponse) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const { status, delayMs = 0, headers = {} } = decide({ headers: request.headers, body });
      setTimeout(() => {
        open -= 1;
        received.push({ url: request.url ?? "", headers: request.headers, body, status });
        response.writeHead(status, headers).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    received,
    maxConcurrent: () => maxOpen,
    resetMaxConcurrent: () => void (maxOpen = open),
    answer: (next) => void (decide = next),
    async waitUntil(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`receiver condition not met in ${timeoutMs} ms (got ${received.length})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Receivers a test starts as it needs them, closed together at the end. */
export type HookReceivers = { start(): Promise<HookReceiver>; closeAll(): Promise<void> };

export function createHookReceivers(): HookReceivers {
  const started: HookReceiver[] = [];
  return {
    async start() {
      const receiver = await startHookReceiver();
      started.push(receiver);
      return receiver;
    },
    async closeAll() {
      for (const receiver of started) await receiver.close();
    },
  };
}

/** Inserts `count` due deliveries of stored events for a destination, as a backlog. */
export async function insertBacklog(
  db: Pool,
  destinationId: string,
  count: number,
  connectorId = "backlog",
): Promise<void> {
  await db.query(
    `WITH e AS (
       INSERT INTO events (id, connector_id, trigger, data, occurred_at)
       SELECT 'evt_backlog_' || $1 || '_' || $2 || '_' || g, $2, 'transport.messageReceived', '{}'::json, now()
         FROM generate_series(1, $3) g
       RETURNING id)
     INSERT INTO deliveries (id, event_id, destination_id, connector_id)
     SELECT 'dlv_' || substr(e.id, 5), e.id, $1, $2 FROM e`,
    [destinationId, connectorId, count],
  );
}
