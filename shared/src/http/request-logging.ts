import { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, FastifyTypeProvider } from "fastify";
import type { AnyFastifyApp } from "./any-fastify-app.ts";

/**
 * Probe and scrape paths: logged at debug, or every kubelet probe would be an INFO line. `/ready/…`
 * covers a service's own readiness variants (sync-worker's `/ready/ingest`).
 */
const OPS_PATHS = new Set(["/health", "/ready", "/metrics"]);

function isOpsPath(path: string): boolean {
  return OPS_PATHS.has(path) || path.startsWith("/ready/");
}

/**
 * One line per request when its response is sent (instead of fastify's two), with Cloud Logging's
 * `httpRequest` fields so the log viewer shows it as a request. Level by outcome: 5xx error, 4xx
 * warn, else info (debug for probes and scrapes). Pair with `logController: createQuietLogController()`.
 */
export function registerRequestLogging<
  Logger extends FastifyBaseLogger,
  Provider extends FastifyTypeProvider,
>(app: AnyFastifyApp<Logger, Provider>): void {
  app.addHook("onResponse", async (request, reply) => {
    const level = levelOf(request, reply);
    request.log[level]({ httpRequest: httpRequestOf(request, reply) }, "request completed");
  });
}

/**
 * Fastify's own per-request lines ("incoming request", "request completed", "Route … not found")
 * turned off, since registerRequestLogging writes one line instead. Fastify 5 deprecates the
 * top-level `disableRequestLogging` option (FSTDEP023, warned at every app built) for this.
 */
export function createQuietLogController(): LogController {
  return new LogController({ disableRequestLogging: true });
}

function levelOf(request: FastifyRequest, reply: FastifyReply): "error" | "warn" | "info" | "debug" {
  if (reply.statusCode >= 500) return "error";
  if (reply.statusCode >= 400) return "warn";
  return isOpsPath(request.url.split("?")[0] ?? "") ? "debug" : "info";
}

/** Cloud Logging's HttpRequest (latency as a "1.234s" duration string). */
function httpRequestOf(request: FastifyRequest, reply: FastifyReply): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    requestMethod: request.method,
    requestUrl: request.url,
    status: reply.statusCode,
    latency: `${(reply.elapsedTime / 1000).toFixed(3)}s`,
    remoteIp: request.ip,
  };
  const userAgent = request.headers["user-agent"];
  if (userAgent) fields.userAgent = userAgent;
  const size = reply.getHeader("content-length");
  if (size !== undefined) fields.responseSize = String(size);
  return fields;
}
