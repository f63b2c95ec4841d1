import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createTlsServer } from "node:https";

export type ReceivedPost = {
  path: string;
  headers: IncomingHttpHeaders;
  body: { trigger: string; data: unknown };
};

/**
 * A real local HTTP receiver, as the Connector's own tests use one: records every POST and answers
 * with `status` (changeable while it runs). `waitFor` polls until a predicate holds. With `tls`
 * (a key and certificate) it speaks HTTPS.
 */
export class WebhookReceiver {
  readonly received: ReceivedPost[] = [];
  status = 200;
  private server: Server | undefined;
  private readonly tls: { key: string; cert: string } | undefined;
  url = "";

  constructor(options: { tls?: { key: string; cert: string } } = {}) {
    this.tls = options.tls;
  }

  async start(): Promise<this> {
    const handle = (request: IncomingMessage, response: ServerResponse) => this.record(request, response);
    this.server = this.tls ? createTlsServer(this.tls, handle) : createServer(handle);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    this.url = `${this.tls ? "https" : "http"}://127.0.0.1:${port}`;
    return this;
  }

  triggers(): string[] {
    return this.received.map((post) => post.body.trigger);
  }

  async waitFor(predicate: (received: ReceivedPost[]) => boolean, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline)
        throw new Error(`webhook receiver: condition not met; got ${this.triggers().join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private record(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      this.received.push({
        path: request.url ?? "",
        headers: request.headers,
        body: JSON.parse(text || "{}"),
      });
      response.statusCode = this.status;
      response.end();
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
