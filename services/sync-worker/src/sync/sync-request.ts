import { isSsrfBlocked, type GuardedFetch, type GuardedResponse } from "@event-hub/shared";

/**
 * One `POST {baseUrl}{apiPrefix}/Account/Sync` (the Connector answers 204 since 5.0), with its
 * own correlation id, so every event the sync raises carries it, and a timeout. The call goes
 * through the SSRF-guarded client: a Connector at an address SSRF_ALLOW does not cover fails the
 * sync with an error saying so.
 */
export type SyncRequest = {
  baseUrl: string;
  apiPrefix: string;
  apiKey: string;
  correlationId: string;
  timeoutMs: number;
};

export type SyncResult = { ok: true } | { ok: false; outcome: "error" | "timeout"; error: string };

const MAX_ERROR_LENGTH = 500;

export async function requestSync(connectorFetch: GuardedFetch, request: SyncRequest): Promise<SyncResult> {
  const url = `${request.baseUrl.replace(/\/+$/, "")}${request.apiPrefix}/Account/Sync`;
  let response: GuardedResponse;
  try {
    response = await connectorFetch.fetch(url, {
      method: "POST",
      headers: {
        "x-api-key": request.apiKey,
        "x-correlation-id": request.correlationId,
        accept: "application/json",
      },
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") {
      return { ok: false, outcome: "timeout", error: `no answer within ${request.timeoutMs} ms` };
    }
    return { ok: false, outcome: "error", error: describeCallError(url, error) };
  }
  if (response.ok) {
    response.body?.resume();
    return { ok: true };
  }
  return { ok: false, outcome: "error", error: await describeFailure(response) };
}

/** Why a call to a Connector did not get an answer, for its sync state and the log. */
export function describeCallError(url: string, error: unknown): string {
  if (isSsrfBlocked(error))
    return `cannot reach ${url}: its address is private, loopback or reserved and SSRF_ALLOW does not allow it (${(error as Error).message})`;
  const code = (error as { code?: string }).code;
  return `cannot reach ${url}: ${code ?? String(error)}`;
}

/** `HTTP 500 error.platform.unexpected: …` from the Connector's error envelope, when it sent one. */
async function describeFailure(response: GuardedResponse): Promise<string> {
  const text = await response.text().catch(() => "");
  let detail = text;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) detail = `${body.error.code}: ${body.error.message ?? ""}`;
  } catch {
    // not JSON: keep the text
  }
  return `HTTP ${response.status} ${detail}`.trim().slice(0, MAX_ERROR_LENGTH);
}
