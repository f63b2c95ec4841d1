import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export type ReceivedPost = {
  path: string;
  headers: IncomingHttpHeaders;
  body: { trigger: string; data: unknown };
};

/**
 * A real local HTTP receiver, as the Connector's own tests use one: records every POST and answers
 * with `status` (changeable while it runs). `waitFor` polls until a predicate holds.
 */
export class WebhookReceiver {
  readonly received: ReceivedPost[] = [];
  status = 200;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
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
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
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

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
