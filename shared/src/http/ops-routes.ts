import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";

/** A named dependency check for /ready; true when the dependency answers. */
export type ReadinessCheck = () => Promise<boolean>;

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
    const results = await Promise.all(names.map((name) => runCheck(options.checks[name])));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] ? "up" : "down"]));
    const shuttingDown = options.isShuttingDown?.() ?? false;
    const ready = !shuttingDown && results.every(Boolean);
    if (!ready) reply.code(503).header("retry-after", "5");
    return { status: ready ? "ready" : shuttingDown ? "shutting-down" : "not-ready", checks };
  });

  app.get("/metrics", hide, async (_request, reply) => {
    reply.header("content-type", options.registry.contentType);
    return options.registry.metrics();
  });
}

async function runCheck(check: ReadinessCheck | undefined): Promise<boolean> {
  try {
    return check ? await check() : false;
  } catch {
    return false;
  }
}
