import { readText } from "./deploy-files.ts";

/**
 * What the services serve, read from their source: every service registers the shared ops routes
 * (/health, /ready, /metrics) in its app.ts, and sync-worker the ingest route.
 */
export function opsRoutes(): string[] {
  const source = readText("shared/src/http/ops-routes.ts");
  return [...source.matchAll(/app\.get\("([^"]+)"/g)].map((match) => match[1] ?? "");
}

export function registersOpsRoutes(service: string): boolean {
  return readText(`services/${service}/src/app.ts`).includes("registerOpsRoutes(");
}

export function routesOf(service: string): string[] {
  const source = readText(`services/${service}/src/app.ts`);
  return [...source.matchAll(/app\.(?:get|post|put|patch|delete)\(\s*"([^"]+)"/g)].map(
    (match) => match[1] ?? "",
  );
}
