import { connect, type Socket } from "node:net";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  buildDeps,
  createMigratedTestPool,
  emulatorPubSub,
  insertConnector,
  newTestConnector,
} from "../../test/harness.ts";
import { buildApp } from "../app.ts";
import { createEventPublisher } from "./event-publisher.ts";

// What a hostile client can cost the ingest server, over a real socket (inject() has no timeouts).
describe("ingest edge over a socket", () => {
  const connector = newTestConnector();
  const requestTimeoutMs = 2000;
  const headersTimeoutMs = 1000;
  let db: Pool;
  let pubsub: PubSub;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    db = await createMigratedTestPool();
    await insertConnector(db, connector);
    pubsub = emulatorPubSub();
    app = await buildApp({
      ...buildDeps({ db, publisher: createEventPublisher(pubsub, uniqueName("events")) }),
      server: { requestTimeoutMs, headersTimeoutMs, trustedProxies: [], trustedProxyHops: 1 },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await app?.close();
    await pubsub?.close();
    await db?.end();
  });

  const head = (headers: Record<string, string>, id = connector.id) =>
    `POST /v1/ingest/${id} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("") +
    "\r\n";

  it.each([
    ["a wrong key", { "x-api-key": "wrong" }, undefined],
    ["no key", {}, undefined],
    ["an unknown Connector", { "x-api-key": "wrong" }, "nobody"],
  ])(
    "answers %s with 401 at once, without waiting for a 9 MB body, and closes the connection",
    async (_name, headers, id) => {
      const client = openClient(port);
      client.write(head({ ...headers, "content-length": "9000000" }, id));
      client.write('{"trigger":"a.b","data":"');
      const answer = await client.firstLine();
      expect(answer.line).toBe("HTTP/1.1 401 Unauthorized");
      expect(answer.afterMs).toBeLessThan(1000);
      expect(await client.closed()).toBeLessThan(1000);
    },
  );

  it("answers a wrong key with 401 at once while a chunked body never ends", async () => {
    const client = openClient(port);
    client.write(head({ "x-api-key": "wrong", "transfer-encoding": "chunked" }));
    const dripping = setInterval(() => client.write("1\r\nx\r\n"), 100);
    try {
      const answer = await client.firstLine();
      expect(answer.line).toBe("HTTP/1.1 401 Unauthorized");
      expect(answer.afterMs).toBeLessThan(1000);
      expect(await client.closed()).toBeLessThan(1000);
    } finally {
      clearInterval(dripping);
    }
  });

  it("cuts off a body sent one byte at a time within the request timeout", async () => {
    const body = '{"trigger":"transport.messageReceived","data":{"slow":"' + "x".repeat(200) + '"}}';
    const client = openClient(port);
    client.write(head({ "x-api-key": connector.ingestKey, "content-length": String(body.length) }));
    let sent = 0;
    const dripping = setInterval(() => {
      if (sent < body.length) client.write(body[sent++] ?? "");
    }, 250);
    try {
      const closedAfterMs = await client.closed();
      // node checks the timeouts once a second here (connectionsCheckingInterval)
      expect(closedAfterMs).toBeGreaterThanOrEqual(requestTimeoutMs - 100);
      expect(closedAfterMs).toBeLessThan(requestTimeoutMs + 2000);
      expect(sent).toBeLessThan(body.length);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(client.received()).toContain('"code":"error.hub.http.requestTimeout"');
    } finally {
      clearInterval(dripping);
    }
  });

  it("cuts off headers sent one byte at a time within the headers timeout", async () => {
    const text = head({ "x-api-key": connector.ingestKey, "x-padding": "p".repeat(100) });
    const client = openClient(port);
    let sent = 0;
    const dripping = setInterval(() => {
      if (sent < text.length) client.write(text[sent++] ?? "");
    }, 100);
    try {
      const closedAfterMs = await client.closed();
      expect(closedAfterMs).toBeLessThan(headersTimeoutMs + 2000);
      expect(sent).toBeLessThan(text.length);
      expect(client.received()).toContain('"code":"error.hub.http.requestTimeout"');
    } finally {
      clearInterval(dripping);
    }
  });

  it("answers bytes that are not HTTP with 400 in the envelope and closes the connection", async () => {
    const client = openClient(port);
    client.write("\x00\x01 not http\r\n\r\n");
    expect(await client.closed()).toBeLessThan(1000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(client.received()).toContain('"code":"error.hub.http.badRequest"');
  });
});

/** A raw HTTP/1.1 client that records when the answer's first line came and when the server closed. */
function openClient(port: number) {
  const startedAt = performance.now();
  const socket: Socket = connect({ port, host: "127.0.0.1" });
  socket.on("error", () => undefined); // a reset after the server closed is expected
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
  });
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(performance.now() - startedAt)),
  );
  return {
    write: (data: string) => {
      if (!socket.destroyed) socket.write(data);
    },
    received: () => text,
    firstLine: () =>
      new Promise<{ line: string; afterMs: number }>((resolve, reject) => {
        const check = () => {
          const end = text.indexOf("\r\n");
          if (end < 0) return false;
          resolve({ line: text.slice(0, end), afterMs: performance.now() - startedAt });
          return true;
        };
        if (check()) return;
        socket.on("data", check);
        socket.once("close", () => check() || reject(new Error("closed without an answer")));
      }),
    closed: () => closed,
  };
}
