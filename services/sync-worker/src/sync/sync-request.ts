import type { GuardedFetch, GuardedResponse } from "@event-hub/shared";
import { callConnectorApi, describeCallError } from "../connector-api/connector-call.ts";

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
  const answer = await callConnectorApi(connectorFetch, {
    ...request,
    method: "POST",
    path: "/Account/Sync",
  });
  if (!answer.ok) {
    if ((answer.error as Error).name === "AbortError") {
      return { ok: false, outcome: "timeout", error: `no answer within ${request.timeoutMs} ms` };
    }
    return { ok: false, outcome: "error", error: describeCallError(answer.url, answer.error) };
  }
  const response = answer.response;
  if (response.ok) {
    response.body?.resume();
    return { ok: true };
  }
  return { ok: false, outcome: "error", error: await describeFailure(response) };
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
