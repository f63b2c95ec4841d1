import type { SendResult } from "./send.ts";

/** What to do after one attempt. Pure: the table below is the whole policy. */
export type Verdict =
  | { kind: "delivered" }
  | { kind: "retry"; outcome: string; retryAfterMs?: number }
  | { kind: "failed"; outcome: string; reason: string }
  | { kind: "gone"; outcome: string };

/**
 * 2xx delivered · 410 the receiver asks us to stop (disable the destination) · 3xx failed (no
 * redirects are followed, as the Connector) · SSRF refusal failed (retrying cannot help) · 429, 5xx,
 * other 4xx, timeouts and connection problems are retried.
 */
export function classify(result: SendResult, now: Date): Verdict {
  if (result.kind === "failure") {
    if (result.failure === "ssrf_blocked")
      return { kind: "failed", outcome: "ssrf_blocked", reason: result.message };
    return { kind: "retry", outcome: result.failure };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 410) return { kind: "gone", outcome: "http_error" };
  if (status >= 300 && status < 400)
    return { kind: "failed", outcome: "redirect", reason: `redirect ${status} not followed` };
  const retryAfterMs = parseRetryAfter(result.headers["retry-after"], now);
  return retryAfterMs === undefined
    ? { kind: "retry", outcome: "http_error" }
    : { kind: "retry", outcome: "http_error", retryAfterMs };
}

/** `Retry-After` as delay seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
