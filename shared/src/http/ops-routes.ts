import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A named dependency check for /ready: true when the dependency answers; false, or a reason an
 * operator can act on ("subscription webhook-dispatcher does not exist; re-creating it"), when not.
 */
export type ReadinessCheck = () => Promise<boolean | { reason: string }>;

/** A check's outcome; a check that throws is down, without its error (it may name internal addresses). */
export async function runReadinessCheck(
  check: ReadinessCheck | undefined,
): Promise<{ isUp: boolean; reason?: string }> {
  try {
    const result = check ? await check() : false;
    if (result === true) return { isUp: true };
    return result === false ? { isUp: false } : { isUp: false, reason: result.reason };
  } catch {
    return { isUp: false };
  }
}

export type OpsRoutesOptions = {
  service: string;
  checks: Record<string, ReadinessCheck>;
  registry: Registry;
  /** True once shutdown began: /ready turns 503 so load balancers stop sending work. */
  isShuttingDown?: () => boolean;
};

/** A metrics registry with Node's default process metrics, labelled with the service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * /health (liveness: the process answers), /ready (every dependency answers, not shutting down)
 * and /metrics (Prometheus text). Hidden from the OpenAPI document and open without a key.
 */
export function registerOpsRoutes(app: FastifyInstance, options: OpsRoutesOptions): void {
  const hide = { schema: { hide: true } };

  app.get("/health", hide, async () => ({ status: "ok", service: options.service }));

  app.get("/ready", hide, async (_request, reply) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runReadinessCheck(options.checks[name])));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]?.isUp ? "up" : "down"]));
    const reasons = Object.fromEntries(
      names.flatMap((name, i) => (results[i]?.reason ? [[name, results[i].reason]] : [])),
    );
    const shuttingDown = options.isShuttingDown?.() ?? false;
    const ready = !shuttingDown && results.every((result) => result.isUp);
    if (!ready) reply.code(503).header("retry-after", "5");
    const status = ready ? "ready" : shuttingDown ? "shutting-down" : "not-ready";
    return Object.keys(reasons).length > 0 ? { status, checks, reasons } : { status, checks };
  });

  app.get("/metrics", hide, async (_request, reply) => {
    reply.header("content-type", options.registry.contentType);
    return options.registry.metrics();
  });
}
