import { listFiles, readText, type ServiceName } from "./deploy-files.ts";

/**
 * What the services serve, read from their source: every service registers the shared ops routes
 * (/health, /ready, /metrics) in its app.ts, and sync-worker the ingest route and its ingest
 * readiness (/ready/ingest, ingest-readiness.ts).
 */
export function opsRoutes(): string[] {
  const source = readText("shared/src/http/ops-routes.ts");
  return [...source.matchAll(/app\.get\("([^"]+)"/g)].map((match) => match[1] ?? "");
}

export function registersOpsRoutes(service: string): boolean {
  return readText(`services/${service}/src/app.ts`).includes("registerOpsRoutes(");
}

/** Routes registered with a literal path in the service's own source files (tests excluded). */
export function routesOf(service: string): string[] {
  return listFiles(`services/${service}/src`, ".ts")
    .filter((path) => !path.endsWith(".test.ts"))
    .flatMap((path) => [...readText(path).matchAll(/app\.(?:get|post|put|patch|delete)\(\s*"([^"]+)"/g)])
    .map((match) => match[1] ?? "");
}

/** The path of a probe or health check that every service or this one serves. */
export function servedBy(service: string, path: string | undefined): boolean {
  return path !== undefined && [...opsRoutes(), ...routesOf(service)].includes(path);
}

/**
 * The readiness route of each service's probe and load-balancer health check. sync-worker's ingest
 * takes events while Postgres or Pub/Sub answers (outbox, cached credentials), so /ready (both)
 * would turn every replica NotReady in a one-sided outage; its /ready/ingest needs one of them.
 */
export const READINESS_PATHS: Record<ServiceName, string> = {
  "sync-worker": "/ready/ingest",
  "webhook-dispatcher": "/ready",
  "api-gateway": "/ready",
};
