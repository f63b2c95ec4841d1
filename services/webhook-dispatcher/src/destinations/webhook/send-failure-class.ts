import type { SendFailure } from "../../deliver/send-result.ts";

/** OpenSSL's and Node's certificate verification codes that name no CERT (the rest all do). */
const TLS_CODES = new Set(["EPROTO", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "HOSTNAME_MISMATCH"]);
const CONNECT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * The class of an error thrown by a send (node-fetch's FetchError carries the system or TLS code,
 * possibly on `cause`). Pure, so the table is tested without a network.
 */
export function failureClassOf(error: unknown): SendFailure {
  const err = (typeof error === "object" && error !== null ? error : {}) as {
    name?: string;
    code?: string;
    cause?: { code?: string };
  };
  const code = err.code ?? err.cause?.code ?? "";
  if (err.name === "AbortError" || err.name === "TimeoutError" || code === "ETIMEDOUT") return "timeout";
  if (code === "ERR_SSRF_BLOCKED") return "ssrf_blocked";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "dns";
  if (CONNECT_CODES.has(code)) return "connect";
  if (isTlsCode(code)) return "tls";
  return "network";
}

/** Handshake and certificate failures: retried like others, but an operator reads `tls`, not `network`. */
function isTlsCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith("ERR_TLS_") ||
    code.startsWith("ERR_SSL_") ||
    code.startsWith("UNABLE_TO_VERIFY_") ||
    code.includes("CERT")
  );
}
