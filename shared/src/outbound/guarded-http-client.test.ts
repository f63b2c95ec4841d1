import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LookupAddress } from "node:dns";
import type { AddressInfo, Socket } from "node:net";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGuardedHttpClient, readBodyPrefix, type GuardedHttpClient } from "./guarded-http-client.ts";
import { createSsrfPolicy, isSsrfBlocked } from "./ssrf-guard.ts";

// Against a real local HTTP server: what reaches it (requests, TCP connections) is the proof.

/** A resolver that makes `hook.example.com` point at loopback, `localhost` at a public address. */
const resolveToLoopback = (
  hostname: string,
  _options: unknown,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) =>
  hostname === "hook.example.com"
    ? callback(null, [{ address: "127.0.0.1", family: 4 }])
    : hostname === "localhost"
      ? callback(null, [{ address: "8.8.8.8", family: 4 }])
      : callback(Object.assign(new Error(`${hostname} not found`), { code: "ENOTFOUND" }), []);

describe("createGuardedHttpClient", () => {
  let server: Server;
  let port = 0;
  const paths: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const clients: GuardedHttpClient[] = [];
  const client = (allow: string[]) => {
    const created = createGuardedHttpClient(createSsrfPolicy(allow), resolveToLoopback);
    clients.push(created);
    return created;
  };

  const routes: Record<string, (response: ServerResponse) => void> = {
    "/redirect": (response) => response.writeHead(302, { location: "http://169.254.169.254/latest" }).end(),
    "/40k": (response) => response.end("x".repeat(40 * 1024)),
    "/1m": (response) => response.end("y".repeat(1024 * 1024)),
    "/silent": () => {},
  };

  beforeAll(async () => {
    server = createServer((incoming: IncomingMessage, response) => {
      paths.push(incoming.url ?? "");
      incoming.resume();
      const route = routes[incoming.url ?? ""];
      if (route) route(response);
      else response.end("ok");
    });
    server.on("connection", (socket: Socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    for (const created of clients.splice(0)) await created.close();
  });
  afterAll(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );

  it("needs its own check of IP literals: undici connects to one without calling the lookup", async () => {
    const looked: string[] = [];
    const agent = new Agent({
      connect: {
        lookup: (hostname, _options, callback) => {
          looked.push(hostname);
          callback(new Error("not expected"), "", 0);
        },
      },
    });
    const response = await request(`http://127.0.0.1:${port}/plain`, { dispatcher: agent });
    expect(await response.body.text()).toBe("ok");
    expect(looked).toStrictEqual([]);
    await agent.close();
  });

  it.each([
    "http://127.0.0.1:PORT/",
    "http://2130706433:PORT/",
    "http://0x7f000001:PORT/",
    "http://0x7f.1:PORT/",
    "http://0177.0.0.1:PORT/",
    "http://[::ffff:127.0.0.1]:PORT/",
    "http://[::1]:PORT/",
  ])("refuses the literal %s without SSRF_ALLOW, before connecting", async (template) => {
    const before = connections;
    const error: unknown = await client([])
      .request(template.replace("PORT", String(port)), { method: "POST", body: "{}" })
      .catch((e: unknown) => e);
    expect(isSsrfBlocked(error)).toBe(true);
    expect(connections).toBe(before);
  });

  it("refuses, when connecting, a host name that resolves to 127.0.0.1", async () => {
    const before = connections;
    const error: unknown = await client([])
      .request(`http://hook.example.com:${port}/`, { method: "POST", body: "{}" })
      .catch((e: unknown) => e);
    expect(isSsrfBlocked(error)).toBe(true);
    expect((error as Error).message).toMatch(/hook\.example\.com resolves to 127\.0\.0\.1/);
    expect(connections).toBe(before);
  });

  it("reaches the same name through the lookup when SSRF_ALLOW lists loopback", async () => {
    const response = await client(["127.0.0.0/8"]).request(`http://hook.example.com:${port}/named`, {
      method: "GET",
    });
    expect(await response.body.text()).toBe("ok");
    expect(paths).toContain("/named");
  });

  it("refuses localhost whatever it resolves to", async () => {
    const error: unknown = await client([])
      .request(`http://localhost:${port}/`, { method: "GET" })
      .catch((e: unknown) => e);
    expect(isSsrfBlocked(error)).toBe(true);
  });

  it("returns a redirect as it is instead of following it", async () => {
    const response = await client(["127.0.0.0/8"]).request(`http://127.0.0.1:${port}/redirect`, {
      method: "POST",
      body: "{}",
    });
    await response.body.dump();
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("http://169.254.169.254/latest");
    expect(paths).not.toContain("/latest");
  });

  it("refuses other protocols", async () => {
    await expect(client([]).request("data:text/plain,hi", { method: "GET" })).rejects.toThrow(
      /only http and https/,
    );
    await expect(client([]).request("ftp://127.0.0.1/", { method: "GET" })).rejects.toThrow(
      /only http and https/,
    );
  });

  it("aborts with the signal's reason, a request the server never answers", async () => {
    const error: unknown = await client(["127.0.0.0/8"])
      .request(`http://127.0.0.1:${port}/silent`, {
        method: "POST",
        body: "{}",
        signal: AbortSignal.timeout(200),
      })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
  });

  it("keeps the first bytes of a body, and the connection when the rest is short", async () => {
    const outbound = client(["127.0.0.0/8"]);
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const response = await outbound.request(`http://127.0.0.1:${port}/40k`, { method: "GET" });
      const kept = await readBodyPrefix(response.body, 16 * 1024);
      expect(kept.toString()).toBe("x".repeat(16 * 1024));
    }
    expect(connections - before).toBe(1);
  });

  it("closes the connection of a body too long to drain, and the next request gets a new one", async () => {
    const outbound = client(["127.0.0.0/8"]);
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const response = await outbound.request(`http://127.0.0.1:${port}/1m`, { method: "GET" });
      expect((await readBodyPrefix(response.body, 16 * 1024)).length).toBe(16 * 1024);
    }
    expect(connections - before).toBe(3);
    await outbound.close();
    await waitUntil(() => sockets.size === 0); // nothing left open on either side
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
