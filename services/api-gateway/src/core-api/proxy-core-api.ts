import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import {
  AppError,
  connectorApiKeySealing,
  isSsrfBlocked,
  type GuardedFetch,
  type SecretBox,
} from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import { encodePath } from "./forwarded-path.ts";
import { findConnector } from "../connectors/connectors-store.ts";
import { connectorNotFound } from "../connectors/update-connector.ts";

export type ProxyDeps = {
  db: Pool;
  secrets: SecretBox;
  apiKeyHeader: string;
  coreApiTimeoutMs: number;
  /** The SSRF-guarded client every call to a Connector goes through (SSRF_ALLOW). */
  connectorFetch: GuardedFetch;
};

export type ProxyRequest = {
  connectorId: string;
  /**
   * Decoded segments of the path after the Connector's base URL, already checked by
   * forwarded-path.ts: `["api", "v2", "Messages"]`, `["health"]`. The first one names the only
   * part of the Connector the call may reach (`{baseUrl}/api/…`).
   */
  segments: readonly string[];
  /** The caller's query string without `?` ("" for none). */
  query: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Readable | undefined;
  correlationId: string;
  /** The caller's ConnectorAccess: a Connector outside it is "not found". */
  connectorIds: ConnectorAccess;
};

export type ProxyResponse = { status: number; headers: Record<string, string>; body: Readable | null };

/**
 * The caller's headers a Connector may see. Everything else stays here: the caller's API key,
 * cookies, `authorization`, `x-forwarded-*`, cloud metadata headers (`Metadata-Flavor`), hop-by-hop
 * headers. `x-api-key` (the Connector's own key) and `x-correlation-id` are set by the proxy.
 */
const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-unmodified-since",
  "range",
  "user-agent",
];

// Hop-by-hop headers (RFC 9110 §7.6.1) and what fetch sets or undoes itself (it decompresses).
const NOT_RETURNED = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "content-encoding",
  "set-cookie",
]);

/**
 * Forwards one call to the Connector's REST API (or its monitoring routes), streaming the body both
 * ways: the Connector's own key is sent instead of the caller's, and the correlation id is passed
 * on, so the events the call raises carry it. The connection passes the SSRF policy (502
 * `error.hub.connectorAddressNotAllowed`); a redirect is answered as it is, never followed.
 * No answer → 502; no headers within the timeout → 504.
 */
export async function proxyCoreApi(deps: ProxyDeps, call: ProxyRequest): Promise<ProxyResponse> {
  const connector = await findConnector(deps.db, call.connectorId, call.connectorIds);
  if (!connector) throw connectorNotFound(call.connectorId);
  const headers = forwardedHeaders(call.headers);
  if (connector.api_key_sealed)
    headers["x-api-key"] = deps.secrets.open(connector.api_key_sealed, connectorApiKeySealing(connector.id));
  headers["x-correlation-id"] = call.correlationId;

  const url = connectorUrl(connector.base_url, call.segments, call.query);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deps.coreApiTimeoutMs);
  try {
    const response = await deps.connectorFetch.fetch(url, {
      method: call.method,
      headers,
      body: call.body && !["GET", "HEAD"].includes(call.method) ? call.body : undefined,
      signal: abort.signal,
    });
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!NOT_RETURNED.has(name)) out[name] = value;
    });
    return { status: response.status, headers: out, body: response.body as Readable | null };
  } catch (error) {
    throw connectorCallError(connector.id, error, abort.signal.aborted);
  } finally {
    clearTimeout(timer); // the body may stream as long as it takes
  }
}

function forwardedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = [value].flat().join(", ");
  }
  return headers;
}

/**
 * `{baseUrl}/{segments}?{query}`, each segment encoded on its own. The result is checked to lie
 * under `{baseUrl}/{segments[0]}/`: a path that would resolve anywhere else is a bug, never a call.
 */
export function connectorUrl(baseUrl: string, segments: readonly string[], query: string): string {
  const url = new URL(baseUrl);
  const basePath = url.pathname.replace(/\/+$/, "");
  const path = `${basePath}/${encodePath(segments)}`;
  url.pathname = path;
  url.search = query;
  url.hash = "";
  const [first = ""] = segments;
  const within = `${basePath}/${encodeURIComponent(first)}`;
  if (url.pathname !== path || !(path === within || path.startsWith(`${within}/`)))
    throw new AppError("error.hub.proxy.invalidPath", "the forwarded path is not allowed", 400);
  return url.href;
}

function connectorCallError(connectorId: string, error: unknown, isTimeout: boolean): AppError {
  if (isTimeout)
    return new AppError(
      "error.hub.connectorTimeout",
      `Connector "${connectorId}" did not answer in time`,
      504,
    );
  if (isSsrfBlocked(error)) {
    return new AppError(
      "error.hub.connectorAddressNotAllowed",
      `Connector "${connectorId}" is at an address the hub may not connect to (private, loopback or reserved, and not in SSRF_ALLOW)`,
      502,
      { details: (error as Error).message },
    );
  }
  return new AppError("error.hub.connectorUnreachable", `Connector "${connectorId}" did not answer`, 502, {
    details: String((error as Error).cause ?? error),
  });
}
