/**
 * One `POST {baseUrl}{apiPrefix}/Account/Sync` (the Connector answers 204 since 5.0), with its
 * own correlation id, so every event the sync raises carries it, and a timeout.
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

export async function requestSync(request: SyncRequest): Promise<SyncResult> {
  const url = `${request.baseUrl.replace(/\/+$/, "")}${request.apiPrefix}/Account/Sync`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "x-api-key": request.apiKey,
        "x-correlation-id": request.correlationId,
        accept: "application/json",
      },
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return { ok: false, outcome: "timeout", error: `no answer within ${request.timeoutMs} ms` };
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, outcome: "error", error: `cannot reach ${url}: ${cause ?? String(error)}` };
  }
  if (response.ok) {
    await response.body?.cancel();
    return { ok: true };
  }
  return { ok: false, outcome: "error", error: await describeFailure(response) };
}

/** `HTTP 500 error.platform.unexpected: …` from the Connector's error envelope, when it sent one. */
async function describeFailure(response: Response): Promise<string> {
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
