import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Pool } from "pg";
import { destinationConfigSealing, newId } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertDestination,
  openTestDatabase,
  secrets,
  startHookReceiver,
  startTestDispatcher,
  type HookReceiver,
  type TestDispatcher,
} from "../../../test/harness.ts";
import { createTokenCache } from "./oauth2-token-cache.ts";
import { createSender } from "./send.ts";
import { createSsrfPolicy } from "@event-hub/shared";

type TokenEndpoint = {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
};

/** A local OAuth2 token endpoint that hands out tok-1, tok-2, ... living `expiresInSeconds`. */
async function startTokenEndpoint(expiresInSeconds: number): Promise<TokenEndpoint> {
  const requests: TokenEndpoint["requests"] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const token = {
        access_token: `tok-${requests.length}`,
        token_type: "Bearer",
        expires_in: expiresInSeconds,
      };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(token));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ApiKey and OAuth2 client-credentials target authentication through the real pipeline (emulator,
// Postgres, local receiver and token endpoint).
describe("target authentication", () => {
  let db: Pool;
  let dispatcher: TestDispatcher;
  const closers: Array<() => Promise<void>> = [];
  const receiver = async (): Promise<HookReceiver> => {
    const started = await startHookReceiver();
    closers.push(() => started.close());
    return started;
  };
  const tokenEndpoint = async (expiresInSeconds: number): Promise<TokenEndpoint> => {
    const started = await startTokenEndpoint(expiresInSeconds);
    closers.push(() => started.close());
    return started;
  };
  const oauth2 = (id: string, endpoint: TokenEndpoint) => ({
    type: "OAuth2",
    accessTokenUrl: endpoint.url,
    clientId: "hub client",
    clientSecretSealed: secrets.seal(
      "s3cret/x+y=",
      destinationConfigSealing(id, "authentication.clientSecretSealed"),
    ),
    scope: "hooks",
  });

  beforeAll(async () => {
    db = await openTestDatabase();
    dispatcher = await startTestDispatcher(db);
  });

  afterAll(async () => {
    await dispatcher?.stop();
    for (const close of closers) await close();
    await db?.end();
  });

  it("sends the ApiKey header with the unsealed key", async () => {
    const hooks = await receiver();
    const connectorId = "auth-apikey";
    const id = newId("whk");
    const apiKeySealed = secrets.seal("key-123", destinationConfigSealing(id, "authentication.apiKeySealed"));
    await insertDestination(db, {
      id,
      config: {
        url: hooks.url,
        authentication: { type: "ApiKey", headerName: "x-target-key", apiKeySealed },
      },
      connectorIds: [connectorId],
    });
    await dispatcher.publish({ connectorId, trigger: "transport.messageReceived" });
    await hooks.waitUntil((r) => r.length >= 1);
    expect(hooks.received[0]?.headers["x-target-key"]).toBe("key-123");
  });

  it("fetches one OAuth2 token with client credentials and reuses it", async () => {
    const hooks = await receiver();
    const endpoint = await tokenEndpoint(3600);
    const connectorId = "auth-oauth2";
    const id = newId("whk");
    await insertDestination(db, {
      id,
      config: { url: hooks.url, authentication: oauth2(id, endpoint) },
      connectorIds: [connectorId],
      ordered: true, // one at a time, so the cache (not the coalescing) is what saves the requests
    });
    for (let i = 0; i < 3; i++)
      await dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data: { i } });
    await hooks.waitUntil((r) => r.length >= 3);

    expect(hooks.received.map((h) => h.headers.authorization)).toStrictEqual(Array(3).fill("Bearer tok-1"));
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    // Not form-encoded, as the Connector sends it.
    const basic = Buffer.from("hub client:s3cret/x+y=");
    expect(request?.headers.authorization).toBe(`Basic ${basic.toString("base64")}`);
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toStrictEqual({
      grant_type: "client_credentials",
      scope: "hooks",
    });
  });

  it("drops a token the target refuses with 401 and retries with a fresh one", async () => {
    const hooks = await receiver();
    hooks.answer(({ headers }) => ({ status: headers.authorization === "Bearer tok-1" ? 401 : 200 }));
    const endpoint = await tokenEndpoint(3600);
    const connectorId = "auth-oauth2-401";
    const id = newId("whk");
    await insertDestination(db, {
      id,
      config: { url: hooks.url, authentication: oauth2(id, endpoint) },
      connectorIds: [connectorId],
      retryScheduleSeconds: [1, 1],
    });
    await dispatcher.publish({ connectorId, trigger: "transport.messageReceived" });
    await hooks.waitUntil((r) => r.some((h) => h.status === 200));

    expect(hooks.received.map((h) => [h.headers.authorization, h.status])).toStrictEqual([
      ["Bearer tok-1", 401],
      ["Bearer tok-2", 200],
    ]);
    expect(endpoint.requests).toHaveLength(2);
  });

  it("refreshes a token early, before it expires, and coalesces concurrent refreshes", async () => {
    // The cache with a controlled clock against the real endpoint: lifetime 100 s → refresh after 80 s.
    const endpoint = await tokenEndpoint(100);
    const sender = createSender(createSsrfPolicy(["127.0.0.0/8"]));
    let now = 1_000_000;
    const cache = createTokenCache(sender, () => now);
    const credentials = { accessTokenUrl: endpoint.url, clientId: "c", clientSecret: "s" };
    try {
      const first = await Promise.all([1, 2, 3].map(() => cache.get("k", credentials, 2000)));
      expect(first).toStrictEqual(Array(3).fill({ ok: true, token: "tok-1" }));
      expect(endpoint.requests).toHaveLength(1);

      now += 79_000;
      expect(await cache.get("k", credentials, 2000)).toStrictEqual({ ok: true, token: "tok-1" });
      now += 2_000; // 81 s: 19 s of life left, under the 20 % margin
      expect(await cache.get("k", credentials, 2000)).toStrictEqual({ ok: true, token: "tok-2" });
      expect(endpoint.requests).toHaveLength(2);
    } finally {
      sender.close();
    }
  });
});
