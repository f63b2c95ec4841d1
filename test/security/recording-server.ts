import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

/**
 * A local HTTP server standing in for a Connector, a receiver or a token endpoint, which records
 * every TCP connection and every request it gets, so a test can assert what reached it (or that
 * nothing did). It answers 200 `{"result":"upstream"}` unless told otherwise.
 */
export type RecordingServer = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  connections: () => number;
  requests: RecordedRequest[];
  answerWith(answer: (request: RecordedRequest, response: ServerResponse) => void): void;
  close(): Promise<void>;
};

const UPSTREAM_BODY = JSON.stringify({ result: "upstream" });

export async function startRecordingServer(host = "127.0.0.1", port = 0): Promise<RecordingServer> {
  let connections = 0;
  const requests: RecordedRequest[] = [];
  let answer: (request: RecordedRequest, response: ServerResponse) => void = (_request, response) =>
    void response.writeHead(200, { "content-type": "application/json" }).end(UPSTREAM_BODY);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      answer(recorded, response);
    });
  });
  server.on("connection", () => void (connections += 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    port: bound,
    connections: () => connections,
    requests,
    answerWith: (next) => void (answer = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
