import { isSsrfBlocked, type GuardedFetch, type GuardedResponse } from "@event-hub/shared";

/** One call to a Connector's API: `{method} {baseUrl}{apiPrefix}{path}` with its API key. */
export type ConnectorCall = {
  method: "POST" | "PUT";
  baseUrl: string;
  apiPrefix: string;
  /** Below the API prefix, already encoded: `/Account/Sync`. */
  path: string;
  apiKey: string;
  correlationId: string | undefined;
  timeoutMs: number;
};

/** The Connector's response, or the error that kept one from coming (the caller classifies it). */
export type ConnectorAnswer =
  { ok: true; url: string; response: GuardedResponse } | { ok: false; url: string; error: unknown };

/**
 * The sync and the automations call a Connector the same way: through the SSRF-guarded client,
 * with the API key, the correlation id the events it raises will carry, and a timeout.
 */
export async function callConnectorApi(
  connectorFetch: GuardedFetch,
  call: ConnectorCall,
): Promise<ConnectorAnswer> {
  const url = `${call.baseUrl.replace(/\/+$/, "")}${call.apiPrefix}${call.path}`;
  try {
    const response = await connectorFetch.fetch(url, {
      method: call.method,
      headers: {
        "x-api-key": call.apiKey,
        accept: "application/json",
        ...(call.correlationId ? { "x-correlation-id": call.correlationId } : {}),
      },
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    return { ok: true, url, response };
  } catch (error) {
    return { ok: false, url, error };
  }
}

/** Why a call to a Connector did not get an answer, for its sync state and the log. */
export function describeCallError(url: string, error: unknown): string {
  if (isSsrfBlocked(error))
    return `cannot reach ${url}: its address is private, loopback or reserved and SSRF_ALLOW does not allow it (${(error as Error).message})`;
  const code = (error as { code?: string }).code;
  return `cannot reach ${url}: ${code ?? String(error)}`;
}
