import { runReadinessCheck, type ReadinessCheck } from "@event-hub/shared";
import type { FastifyInstance } from "fastify";

export type IngestReadinessOptions = {
  /** The foundation's checks: Postgres (`database`) and Pub/Sub (`pubsub`). */
  checks: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
};

/**
 * GET /ready/ingest: whether this replica can still accept an event, for the readiness probe and
 * the load balancer in front of ingest. Ingest takes an event while either Postgres or Pub/Sub
 * answers (Pub/Sub away: the outbox; Postgres away: Pub/Sub with the cached credentials), so it is
 * 503 only when every check fails, or during a drain. /ready (both up) would pull every replica out of the load
 * balancer during a one-sided outage, and the Connector's webhooks module never retries.
 */
export function registerIngestReadiness(app: FastifyInstance, options: IngestReadinessOptions): void {
  app.get("/ready/ingest", { schema: { hide: true } }, async (_request, reply) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runReadinessCheck(options.checks[name])));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]?.isUp ? "up" : "down"]));
    const shuttingDown = options.isShuttingDown();
    const ready = !shuttingDown && results.some((result) => result.isUp);
    if (!ready) reply.code(503).header("retry-after", "5");
    return { status: ready ? "ready" : shuttingDown ? "shutting-down" : "not-ready", checks };
  });
}
