import http from "node:http";
import https from "node:https";

export type PostResult = { status: number; body: string };

/**
 * One POST without redirects. node:http(s) instead of fetch because `skipTlsCheck` needs a
 * per-request `rejectUnauthorized`, which the built-in fetch does not offer without undici.
 * The timeout mirrors agentkeepalive's 8 s socket inactivity limit, the Connector's effective one.
 */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { skipTlsCheck?: boolean; timeoutMs?: number } = {},
): Promise<PostResult> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body).toString() },
        timeout: options.timeoutMs ?? 8_000,
        ...(target.protocol === "https:" ? { rejectUnauthorized: !options.skipTlsCheck } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`timeout after ${options.timeoutMs ?? 8_000} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}
