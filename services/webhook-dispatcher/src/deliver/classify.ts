import type { SendFailure, SendResult } from "./send-result.ts";

/** What to do after one attempt. Pure: the tables below are the whole policy. */
export type Verdict =
  | { kind: "delivered" }
  | { kind: "retry"; outcome: string; retryAfterMs?: number }
  | { kind: "failed"; outcome: string; reason: string }
  | { kind: "gone"; outcome: string };

export type ClassifyOptions = {
  /** false: a 4xx other than 408, 410 and 429 fails the delivery at once (destinations.retry_client_errors). */
  retryClientErrors: boolean;
};

/**
 * Failures that prevented a response. An SSRF refusal cannot get better by waiting, so it fails
 * the delivery at once; everything else is transient.
 */
export const FAILURE_ACTIONS: Readonly<Record<SendFailure, "retry" | "fail">> = {
  timeout: "retry",
  dns: "retry",
  connect: "retry",
  tls: "retry",
  network: "retry",
  auth: "retry",
  broker: "retry",
  broker_unreachable: "retry",
  broker_nack: "retry",
  // The operator may still create it (the hub never declares exchanges); breaker and auto-disable bound it.
  exchange_not_found: "retry",
  // Whoever holds the lease now sends it; should the lease have simply run out, it is due again.
  lease_lost: "retry",
  ssrf_blocked: "fail",
  config: "fail",
};

/**
 * HTTP statuses: 2xx delivered · 410 the receiver asks us to stop (disable the destination) · 3xx
 * failed (redirects are not followed, as the Connector) · 408, 429, 5xx retried · other 4xx retried
 * unless the destination says client errors are final.
 */
export function classify(
  result: SendResult,
  now: Date,
  options: ClassifyOptions = { retryClientErrors: true },
): Verdict {
  if (result.kind === "failure") {
    return FAILURE_ACTIONS[result.failure] === "fail"
      ? { kind: "failed", outcome: result.failure, reason: result.message }
      : { kind: "retry", outcome: result.failure };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 410) return { kind: "gone", outcome: "http_error" };
  if (status >= 300 && status < 400)
    return { kind: "failed", outcome: "redirect", reason: `redirect ${status} not followed` };
  const isClientError = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (isClientError && !options.retryClientErrors)
    return {
      kind: "failed",
      outcome: "http_error",
      reason: `HTTP ${status} (client errors are not retried)`,
    };
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
