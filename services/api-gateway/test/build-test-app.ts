import { randomBytes } from "node:crypto";
import {
  createLogger,
  createMetricsRegistry,
  createPool,
  createPubSub,
  createGuardedFetch,
  createSecretBox,
  createSsrfPolicy,
  ensureTopic,
  runMigrations,
  type SecretBox,
} from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { Pool } from "pg";
import { buildApp, type ApiGatewayDeps } from "../src/app.ts";
import { uniqueName } from "@event-hub/local-stack/test-names";

export const TEST_ADMIN_KEY = `test-admin-${randomBytes(24).toString("base64url")}`;

export type TestHarness = {
  app: FastifyInstance;
  db: Pool;
  pubsub: PubSub;
  secrets: SecretBox;
  topicName: string;
  /** app.inject with the admin key (or `key`; null: none). */
  call(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** A stored key holding exactly these scopes. */
  keyWith(...scopes: string[]): Promise<string>;
  /** A stored key limited to these Connectors, holding these scopes; its key and id. */
  keyFor(connectorIds: string[], ...scopes: string[]): Promise<{ key: string; id: string }>;
  /** A webhook destination at https://example.com for these triggers; its id. */
  webhookFor(...triggers: string[]): Promise<string>;
  close(): Promise<void>;
};

/** api-gateway on the run's real (migrated) Postgres database and Pub/Sub emulator, for app.inject() tests. */
export async function buildTestApp(overrides: Partial<ApiGatewayDeps> = {}): Promise<TestHarness> {
  const logger = createLogger({ service: "api-gateway-test", level: "silent" });
  const db = createPool({
    connectionString: process.env.DATABASE_URL ?? "",
    max: 4,
    applicationName: "api-gateway-test",
    logger,
  });
  await runMigrations(db);
  const pubsub = createPubSub({
    projectId: process.env.PUBSUB_PROJECT_ID,
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
  });
  const topicName = uniqueName("gateway-events");
  await ensureTopic(pubsub, topicName);
  const secrets = createSecretBox({ key: randomBytes(32).toString("base64") });
  // The tests' Connectors listen on loopback, as under `make up` (SSRF_ALLOW=127.0.0.0/8,::1).
  const connectorFetch = createGuardedFetch(createSsrfPolicy(["127.0.0.0/8", "::1"]));
  const app = await buildApp({
    logger,
    db,
    secrets,
    pubsub,
    topicName,
    metrics: createMetricsRegistry("api-gateway-test"),
    readiness: {},
    isShuttingDown: () => false,
    adminApiKey: TEST_ADMIN_KEY,
    apiKeyHeader: "x-api-key",
    ingestBaseUrl: "http://ingest.test",
    rateLimit: { ratePerSecond: 10_000, burst: 10_000 },
    idempotencyRetentionHours: 24,
    idempotencyInProgressSeconds: 60,
    coreApiTimeoutMs: 5000,
    connectorFetch,
    httpTimeouts: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 },
    ...overrides,
  });
  const call: TestHarness["call"] = ({ key = TEST_ADMIN_KEY, headers, ...options }) =>
    app.inject({ ...options, headers: { ...(key === null ? {} : { "x-api-key": key }), ...headers } });
  return {
    app,
    db,
    pubsub,
    secrets,
    topicName,
    call,
    async webhookFor(...triggers) {
      const payload = { url: "https://example.com", triggers };
      const response = await call({ method: "POST", url: "/v1/webhooks", payload });
      return response.json().result.id as string;
    },
    async keyWith(...scopes) {
      const response = await call({ method: "POST", url: "/v1/keys", payload: { name: "test", scopes } });
      return response.json().result.key as string;
    },
    async keyFor(connectorIds, ...scopes) {
      const payload = { name: "test", scopes, connectorIds };
      const { key, id } = (await call({ method: "POST", url: "/v1/keys", payload })).json().result;
      return { key: key as string, id: id as string };
    },
    async close() {
      await app.close();
      connectorFetch.close();
      await pubsub.close();
      await db.end();
    },
  };
}
