import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Seen = { method: string; url: string; headers: IncomingHttpHeaders; body: string };

export type EchoUpstream = { url: string; port: number; seen: Seen[]; close(): Promise<void> };

/**
 * A stand-in Connector on loopback that records every request exactly as it arrived (path as
 * sent, headers, body) and answers 201. `/api/v2/Hang…` never answers; `/api/v2/Redirect…` answers
 * 302 to `/api/v2/Redirected` (a proxy that followed it would show up in `seen`).
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith("/api/v2/Hang")) return; // never answers
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (request.url?.startsWith("/api/v2/Redirect")) {
        response.writeHead(302, { location: "/api/v2/Redirected" }).end();
        return;
      }
      response
        .writeHead(201, { "content-type": "application/json", "x-upstream": "yes" })
        .end('{"result":{"ok":true}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
