import { StringDecoder } from "node:string_decoder";
import { createGuardedFetch, type SsrfPolicy } from "@event-hub/shared";
import { failureClassOf } from "./send-failure-class.ts";
import { MAX_RESPONSE_BODY_BYTES, type SendResult } from "../../deliver/send-result.ts";

/** One HTTP POST, ready to go. */
export type HttpRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The destination's `skipTlsCheck`: accept any certificate (as the Connector's option). */
  skipTlsCheck?: boolean;
  /** Aborts the request early (the delivery's lease was lost); the timeout applies regardless. */
  signal?: AbortSignal;
};

const KEPT_RESPONSE_HEADERS = ["content-type", "retry-after", "content-length", "location", "date"];

export type Sender = { send(request: HttpRequest): Promise<SendResult>; close(): void };

/**
 * POSTs through the shared SSRF-guarded fetch (keep-alive agents, connect-time check, IP literals
 * checked first, no redirects); a refusal is the failure `ssrf_blocked`.
 */
export function createSender(policy: SsrfPolicy): Sender {
  const outbound = createGuardedFetch(policy);
  return {
    async send(request) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const response = await outbound.fetch(request.url, {
          method: "POST",
          headers: request.headers,
          body: request.body,
          skipTlsCheck: request.skipTlsCheck ?? false,
          signal: AbortSignal.any([
            AbortSignal.timeout(request.timeoutMs),
            ...(request.signal ? [request.signal] : []),
          ]),
        });
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
          failure: failureClassOf(error),
          message: (error as Error).message,
          durationMs: elapsed(),
        };
      }
    },
    close: () => outbound.close(),
  };
}

/**
 * At most `limit` bytes of the body, as text (the attempt log keeps 16 KiB). A character cut at the
 * limit is left out, and bytes that are not UTF-8 (each read as a 3-byte U+FFFD) cannot take the
 * text past the limit either.
 */
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
  const text = completeCharacters(Buffer.concat(chunks));
  const bytes = Buffer.byteLength(text);
  return bytes <= limit ? text : completeCharacters(Buffer.from(text).subarray(0, limit));
}

/**
 * UTF-8 text of `bytes` without a character cut at the end, and without NUL characters: Postgres
 * text cannot hold them, and one would make the attempt impossible to record.
 */
function completeCharacters(bytes: Buffer): string {
  return new StringDecoder("utf8").write(bytes).replaceAll("\0", "");
}
