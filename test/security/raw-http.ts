import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

/**
 * One HTTP request with the path exactly as written: fetch and URL would resolve dot segments and
 * re-encode, which is the very thing the suite attacks. `http.request({ path })` sends it verbatim.
 */

export type RawAnswer = { status: number; headers: IncomingHttpHeaders; text: string };

export type RawRequest = {
  /** `http://127.0.0.1:port` */
  baseUrl: string;
  method: string;
  /** Sent as is: `/%761/connectors`, `/v1/x/../connectors`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
};

export function rawRequest(call: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(call.baseUrl);
  const body = call.body === undefined ? undefined : Buffer.from(call.body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: hostname,
        port,
        method: call.method,
        path: call.path,
        headers: {
          ...(body === undefined ? {} : { "content-length": String(body.length) }),
          ...call.headers,
        },
        agent: false,
        timeout: call.timeoutMs ?? 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${call.method} ${call.path}: no answer in time`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** Why an answer is not the Connector's error envelope `{"error":{"id","code","message","time"}}`, or undefined. */
export function envelopeProblem(answer: RawAnswer): string | undefined {
  const contentType = String(answer.headers["content-type"] ?? "");
  if (!contentType.startsWith("application/json")) return `content-type "${contentType}"`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `not JSON: ${answer.text.slice(0, 80)}`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || Object.keys(body as object).length !== 1) return `not {error}: ${answer.text.slice(0, 120)}`;
  const { id, code, message, time } = error;
  if (typeof id !== "string" || typeof code !== "string" || !code.startsWith("error."))
    return `error.id/code missing: ${answer.text.slice(0, 120)}`;
  if (typeof message !== "string" || typeof time !== "string" || Number.isNaN(Date.parse(time)))
    return `error.message/time missing: ${answer.text.slice(0, 120)}`;
  return undefined;
}

/** The envelope's `error.code`, or undefined when the answer is not an envelope. */
export function errorCodeOf(answer: RawAnswer): string | undefined {
  if (envelopeProblem(answer)) return undefined;
  return (JSON.parse(answer.text) as { error: { code: string } }).error.code;
}
