import type { GuardedFetch, SecretBox } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { registerApiKeyAuth } from "../auth/api-key-auth.ts";
import { registerDocumentedHeaders } from "../http/documented-headers.ts";
import { registerIdempotency } from "../http/idempotency.ts";
import { registerOptionalBody } from "../http/optional-body.ts";
import { registerRateLimit } from "../http/rate-limit.ts";
import { coreApiProxyRoutes } from "../routes/core-api-proxy.ts";
import { connectorRoutes } from "../routes/connectors.ts";
import { deliveryRoutes } from "../routes/deliveries.ts";
import { eventRoutes } from "../routes/events.ts";
import { keyRoutes } from "../routes/keys.ts";
import { monitoringProxyRoutes } from "../routes/monitoring-proxy.ts";
import { subscriptionRoutes } from "../routes/subscriptions.ts";
import { webhookActionRoutes } from "../routes/webhook-actions.ts";
import { webhookRoutes } from "../routes/webhooks.ts";
import { outsideV1Problem, v1RouteProblem } from "./route-access.ts";

export type V1ApiDeps = {
  db: Pool;
  secrets: SecretBox;
  pubsub: PubSub;
  /** The events topic back-end subscriptions attach to. */
  topicName: string;
  adminApiKey: string;
  apiKeyHeader: string;
  ingestBaseUrl: string;
  rateLimit: { ratePerSecond: number; burst: number };
  idempotencyRetentionHours: number;
  idempotencyInProgressSeconds: number;
  coreApiTimeoutMs: number;
  /** Every call to a Connector (Core API and monitoring proxy) goes through it: the SSRF policy. */
  connectorFetch: GuardedFetch;
};

/**
 * The whole `/v1` API as one encapsulated plugin (fastify's Plugins-Guide): the hooks added here —
 * API key auth, the per-key rate limit, Idempotency-Key replay — run for this plugin's routes and
 * for no other, and only after the router matched one. So no hook compares `request.url` with a
 * prefix (which a percent-encoded `/%761/…` once slipped past) and an unmatched path never reaches
 * them (the root's 404 answers it). Registered without fastify-plugin, on purpose.
 *
 * The route files keep their full `/v1/…` URLs instead of a `prefix: "/v1"` here; the onRoute
 * check below holds every route of the plugin to `/v1/` and to a declared scope (or `public`).
 */
export async function v1Api(app: FastifyInstance, deps: V1ApiDeps): Promise<void> {
  registerV1Guards(app, deps);
  await app.register(keyRoutes, { db: deps.db });
  await app.register(connectorRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(webhookActionRoutes, deps);
  await app.register(deliveryRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(subscriptionRoutes, deps);
  await app.register(coreApiProxyRoutes, deps);
  await app.register(monitoringProxyRoutes, deps);
}

export type V1GuardDeps = Pick<
  V1ApiDeps,
  | "db"
  | "secrets"
  | "apiKeyHeader"
  | "adminApiKey"
  | "rateLimit"
  | "idempotencyRetentionHours"
  | "idempotencyInProgressSeconds"
>;

/**
 * What the plugin adds before its routes: the start-up check of each route's declaration, then
 * the request hooks in the order they run (auth, the per-key rate limit, idempotency).
 */
export function registerV1Guards(app: FastifyInstance, deps: V1GuardDeps): void {
  app.addHook("onRoute", (route) => {
    const problem = v1RouteProblem(route);
    if (problem) throw new Error(`refusing to start: ${problem}`);
  });
  registerApiKeyAuth(app, { db: deps.db, headerName: deps.apiKeyHeader, adminApiKey: deps.adminApiKey });
  registerRateLimit(app, deps.rateLimit);
  registerIdempotency(app, {
    db: deps.db,
    secrets: deps.secrets,
    retentionHours: deps.idempotencyRetentionHours,
    inProgressSeconds: deps.idempotencyInProgressSeconds,
  });
  registerOptionalBody(app);
  registerDocumentedHeaders(app);
}

/** On the root: a route under /v1 declared outside the plugin (so without its hooks) stops buildApp too. */
export function refuseV1RoutesOutside(root: FastifyInstance): void {
  root.addHook("onRoute", function (route) {
    // `this` is the instance the route is declared on: only the /v1 plugin's requests carry a principal.
    const problem = this.hasRequestDecorator("principal") ? undefined : outsideV1Problem(route);
    if (problem) throw new Error(`refusing to start: ${problem}`);
  });
}
