import http from "node:http";
import https from "node:https";
import fetch, { type RequestInit } from "node-fetch";
import { MAX_RESPONSE_BODY_BYTES, type SendFailure, type SendResult } from "./send-result.ts";
import { guardedLookup, literalAddressRefusal, type SsrfPolicy } from "./ssrf-guard.ts";

/** One HTTP POST, ready to go. */
export type HttpRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The destination's `skipTlsCheck`: accept any certificate (as the Connector's option). */
  skipTlsCheck?: boolean;
};

const KEPT_RESPONSE_HEADERS = ["content-type", "retry-after", "content-length", "location", "date"];

export type Sender = { send(request: HttpRequest): Promise<SendResult>; close(): void };

/** Keep-alive agents whose connect-time lookup refuses addresses the SSRF policy does not allow. */
export function createSender(policy: SsrfPolicy): Sender {
  const lookup = guardedLookup(policy);
  const httpAgent = new http.Agent({ keepAlive: true, lookup });
  const httpsAgent = new https.Agent({ keepAlive: true, lookup });
  const insecureHttpsAgent = new https.Agent({ keepAlive: true, lookup, rejectUnauthorized: false });
  return {
    async send(request) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const refusal = literalAddressRefusal(policy, request.url);
      if (refusal) return { kind: "failure", failure: "ssrf_blocked", message: refusal, durationMs: 0 };
      const init: RequestInit = {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        agent: (url) =>
          url.protocol === "http:" ? httpAgent : request.skipTlsCheck ? insecureHttpsAgent : httpsAgent,
        signal: AbortSignal.timeout(request.timeoutMs),
      };
      try {
        const response = await fetch(request.url, init);
        const body = await readLimited(response.body, MAX_RESPONSE_BODY_BYTES);
        const headers = Object.fromEntries(
          KEPT_RESPONSE_HEADERS.flatMap((name) => {
            const value = response.headers.get(name);
            return value === null ? [] : [[name, value]];
          }),
        );
        return { kind: "response", status: response.status, headers, body, durationMs: elapsed() };
      } catch (error) {
        return {
          kind: "failure",
          failure: failureClass(error),
          message: (error as Error).message,
          durationMs: elapsed(),
        };
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      insecureHttpsAgent.destroy();
    },
  };
}

async function readLimited(body: NodeJS.ReadableStream | null, limit: number): Promise<string> {
  if (!body) return "";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(buffer.subarray(0, Math.max(0, limit - size)));
    size += buffer.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function failureClass(error: unknown): SendFailure {
  const err = error as { name?: string; code?: string; type?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? "";
  if (err.name === "AbortError" || err.name === "TimeoutError" || code === "ETIMEDOUT") return "timeout";
  if (code === "ERR_SSRF_BLOCKED") return "ssrf_blocked";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "dns";
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return "connect";
  if (code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("SSL")) return "tls";
  return "network";
}
