import type { SendFailure } from "../../deliver/send-result.ts";

/** OpenSSL's and Node's certificate verification codes that name no CERT (the rest all do). */
const TLS_CODES = new Set(["EPROTO", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "HOSTNAME_MISMATCH"]);
/** `UND_ERR_SOCKET`: undici's "other side closed" / reset, what node-fetch reported as ECONNRESET. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);
/** undici's own timeouts (connect 10 s, headers and body 300 s) and its abort without a reason. */
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_ABORTED",
]);

/**
 * The class of an error thrown by a send: undici passes the system, TLS and lookup errors on with
 * their code, rejects with the signal's reason (a `TimeoutError` for the destination's timeout) and
 * has `UND_ERR_*` codes of its own; node-fetch's FetchError (still used by others) may carry the code
 * on `cause`. Pure, so the table is tested without a network.
 */
export function failureClassOf(error: unknown): SendFailure {
  const err = (typeof error === "object" && error !== null ? error : {}) as {
    name?: string;
    code?: string;
    cause?: { code?: string };
  };
  const code = err.code ?? err.cause?.code ?? "";
  if (err.name === "AbortError" || err.name === "TimeoutError" || TIMEOUT_CODES.has(code)) return "timeout";
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
