import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError, connectorApiKeySealing, type SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import { findConnector } from "./store/connectors.ts";
import { connectorNotFound } from "./update-connector.ts";

export type ProxyDeps = { db: Pool; secrets: SecretBox; apiKeyHeader: string; coreApiTimeoutMs: number };

export type ProxyRequest = {
  connectorId: string;
  /** What follows the Connector's base URL, with the query string: `api/v2/Messages?…`, `health`. */
  pathAndQuery: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Readable | undefined;
  correlationId: string;
};

export type ProxyResponse = { status: number; headers: Record<string, string>; body: Readable | null };

// Hop-by-hop headers (RFC 9110 §7.6.1) and what fetch sets or undoes itself.
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "content-encoding",
]);

/**
 * Forwards one call to the Connector's REST API (or its monitoring routes), streaming the body both ways: the caller's
 * gateway key is replaced by the Connector's own key and the correlation id is passed on, so the
 * events the call raises carry it. No answer → 502; no headers within the timeout → 504.
 */
export async function proxyCoreApi(deps: ProxyDeps, call: ProxyRequest): Promise<ProxyResponse> {
  const connector = await findConnector(deps.db, call.connectorId);
  if (!connector) throw connectorNotFound(call.connectorId);
  const headers = new Headers();
  for (const [name, value] of Object.entries(call.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name) || name === deps.apiKeyHeader.toLowerCase()) continue;
    for (const item of [value].flat()) headers.append(name, item);
  }
  headers.delete("x-api-key");
  if (connector.api_key_sealed)
    headers.set(
      "x-api-key",
      deps.secrets.open(connector.api_key_sealed, connectorApiKeySealing(connector.id)),
    );
  headers.set("x-correlation-id", call.correlationId);

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deps.coreApiTimeoutMs);
  let response: Response;
  try {
    response = await fetch(`${connector.base_url}/${call.pathAndQuery}`, {
      method: call.method,
      headers,
      body:
        call.body && !["GET", "HEAD"].includes(call.method)
          ? (call.body as unknown as RequestInit["body"])
          : undefined,
      duplex: "half",
      redirect: "manual",
      signal: abort.signal,
    } as RequestInit);
  } catch (error) {
    if (abort.signal.aborted) {
      throw new AppError(
        "error.hub.connectorTimeout",
        `Connector "${connector.id}" did not answer in time`,
        504,
      );
    }
    throw new AppError("error.hub.connectorUnreachable", `Connector "${connector.id}" did not answer`, 502, {
      details: String((error as Error).cause ?? error),
    });
  } finally {
    clearTimeout(timer); // the body may stream as long as it takes
  }
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name)) out[name] = value;
  });
  const body = response.body ? Readable.fromWeb(response.body as WebReadableStream) : null;
  return { status: response.status, headers: out, body };
}
