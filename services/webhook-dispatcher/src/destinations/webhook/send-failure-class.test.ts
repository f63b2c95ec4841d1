import { describe, expect, it } from "vitest";
import { failureClassOf } from "./send-failure-class.ts";

const withCode = (code: string) => Object.assign(new Error(code), { code });
const withCause = (code: string) => Object.assign(new Error("fetch failed"), { cause: { code } });
const named = (name: string) => Object.assign(new Error(name), { name });

describe("failureClassOf", () => {
  it.each([
    [named("AbortError"), "timeout"],
    [named("TimeoutError"), "timeout"],
    [withCode("ETIMEDOUT"), "timeout"],
    [withCode("UND_ERR_CONNECT_TIMEOUT"), "timeout"],
    [withCode("UND_ERR_HEADERS_TIMEOUT"), "timeout"],
    [withCode("UND_ERR_BODY_TIMEOUT"), "timeout"],
    [withCode("UND_ERR_ABORTED"), "timeout"],
    [withCode("ERR_SSRF_BLOCKED"), "ssrf_blocked"],
    [withCode("ENOTFOUND"), "dns"],
    [withCode("EAI_AGAIN"), "dns"],
    [withCode("ECONNREFUSED"), "connect"],
    [withCode("ECONNRESET"), "connect"],
    [withCode("EHOSTUNREACH"), "connect"],
    [withCode("ENETUNREACH"), "connect"],
    [withCode("UND_ERR_SOCKET"), "connect"],
    [withCode("EPROTO"), "tls"],
    [withCode("ERR_SSL_WRONG_VERSION_NUMBER"), "tls"],
    [withCode("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"), "tls"],
    [withCode("ERR_TLS_CERT_ALTNAME_INVALID"), "tls"],
    [withCode("ERR_TLS_HANDSHAKE_TIMEOUT"), "tls"],
    [withCode("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "tls"],
    [withCode("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"), "tls"],
    [withCode("DEPTH_ZERO_SELF_SIGNED_CERT"), "tls"],
    [withCode("SELF_SIGNED_CERT_IN_CHAIN"), "tls"],
    [withCode("CERT_HAS_EXPIRED"), "tls"],
    [withCode("CERT_NOT_YET_VALID"), "tls"],
    [withCode("HOSTNAME_MISMATCH"), "tls"],
    [withCause("DEPTH_ZERO_SELF_SIGNED_CERT"), "tls"],
    [withCause("ECONNREFUSED"), "connect"],
    [withCode("EPIPE"), "network"],
    [withCode("HPE_INVALID_CONSTANT"), "network"],
    [withCode("UND_ERR_RES_CONTENT_LENGTH_MISMATCH"), "network"],
    [new Error("something else"), "network"],
    ["not an error", "network"],
    [null, "network"],
  ])("%o is %s", (error, expected) => {
    expect(failureClassOf(error)).toBe(expected);
  });
});
