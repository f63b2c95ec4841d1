import { connect } from "node:net";
import { createGuardedFetch, createSsrfPolicy } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { startEchoUpstream, type EchoUpstream } from "../../test/echo-upstream.ts";

/**
 * Sends `GET {target}` byte for byte over a socket (no client normalises the path) and answers the
 * status and body.
 */
async function sendRaw(port: number, target: string, key: string): Promise<{ status: number; body: string }> {
  const socket = connect(port, "127.0.0.1");
  socket.write(
    `GET ${target} HTTP/1.1\r\nhost: gateway\r\nx-api-key: ${key}\r\nconnection: close\r\n\r\n`,
    "latin1",
  );
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
    body: text.split("\r\n\r\n")[1] ?? "",
  };
}

// Every way we know to climb out of /api/v2/Messages or to hide a separator, sent as-is.
const TRAVERSALS = [
  "../Requests/Incoming",
  "..%2FRequests%2FIncoming",
  "..%2fRequests%2fIncoming",
  "../../../sim/webhooks",
  "../../../../../v1/keys",
  "%2e%2e/Requests/Incoming",
  "%2E%2e/Requests/Incoming",
  ".%2E/.%2e/.%2e/sim/webhooks",
  "%2e%2e%2f%2e%2e%2f%2e%2e%2fsim%2fwebhooks",
  "%252e%252e/Requests/Incoming",
  "%252e%252e%252fRequests",
  "..%5cRequests%5cIncoming",
  "..%5CRequests",
  "..%255cRequests",
  "..\\Requests\\Incoming",
  "..\\..\\..\\sim\\webhooks",
  "./../Requests",
  "x/../../Requests/Incoming",
  "/../Requests",
  "x//../Requests",
  "%00/../Requests",
  "x%00",
  "x%0d%0ax-api-key:%20stolen",
  "x%23/../../Requests",
  "%c0%ae%c0%ae/Requests",
];

describe("Core API proxy boundaries", () => {
  let harness: TestHarness;
  let sim: Simulation;
  let upstream: EchoUpstream;
  let port = 0;
  const simId = uniqueName("sim");
  const echoId = uniqueName("echo");

  beforeAll(async () => {
    harness = await buildTestApp();
    sim = await startSimulation({ connectors: 1, logLevel: "silent" });
    upstream = await startEchoUpstream();
    for (const [id, baseUrl, apiKey] of [
      [simId, sim.connectors[0]?.baseUrl, sim.connectors[0]?.apiKey],
      [echoId, upstream.url, "echo-connector-key-000000000000"],
    ]) {
      const response = await harness.call({
        method: "POST",
        url: "/v1/connectors",
        payload: { id, name: id, baseUrl, apiKey },
      });
      expect(response.statusCode).toBe(201);
    }
    await harness.app.listen({ port: 0, host: "127.0.0.1" });
    port = (harness.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await harness.close();
    await sim.stop();
    await upstream.close();
  });

  it.each(TRAVERSALS)("a core:messages key never leaves /api/v2/Messages with %j", async (traversal) => {
    const key = await harness.keyWith("core:messages");
    const before = upstream.seen.length;
    for (const id of [echoId, simId]) {
      const answer = await sendRaw(port, `/v1/connectors/${id}/api/v2/Messages/${traversal}`, key);
      expect(answer.status, answer.body).toBe(400);
      // A malformed UTF-8 escape is refused by the router already (error.hub.http.badUrl), before any route.
      expect(answer.body).toMatch(/"code":"error\.hub\.(proxy\.invalidPath|http\.badUrl)"/);
      expect(answer.body).not.toContain("ingk_"); // the sim's webhooks config holds an ingest key
    }
    expect(upstream.seen.slice(before)).toEqual([]);
  });

  it("without a key, an invalid path is 401 like any other", async () => {
    const socket = await sendRaw(port, `/v1/connectors/${echoId}/api/v2/Messages/..%2FRequests`, "wrong");
    expect(socket.status).toBe(401);
  });

  it.each([
    // `;` is not a separator for the hub nor the Connector: it stays inside its segment.
    ["v2/Messages/..;/Requests", "/api/v2/Messages/..%3B/Requests", 201],
    ["v2/Messages/MSG1;x=y", "/api/v2/Messages/MSG1%3Bx%3Dy", 201],
    ["v2/Messages/a%20b", "/api/v2/Messages/a%20b", 201],
    ["v2/Messages;x", undefined, 403], // no such controller: only core:** may learn it is 404
    ["v2/Requests/Incoming", undefined, 403],
    ["v2/identitydeletionprocess", undefined, 403],
    ["V2/Messages", undefined, 403],
  ])("%s reaches %s (%d)", async (path, seen, status) => {
    const key = await harness.keyWith("core:messages");
    const before = upstream.seen.length;
    const answer = await sendRaw(port, `/v1/connectors/${echoId}/api/${path}`, key);
    expect(answer.status, answer.body).toBe(status);
    expect(upstream.seen.slice(before).map((s) => s.url)).toEqual(seen ? [seen] : []);
  });

  it("forwards only the allow-listed headers", async () => {
    const key = await harness.keyWith("core:messages");
    const response = await harness.call({
      url: `/v1/connectors/${echoId}/api/v2/Messages`,
      key,
      headers: {
        accept: "application/json",
        "accept-language": "de",
        "user-agent": "sdk/1",
        "if-none-match": '"abc"',
        "metadata-flavor": "Google",
        "x-forwarded-for": "10.0.0.1",
        "x-forwarded-host": "evil.example",
        cookie: "session=1",
        authorization: "Bearer caller",
        "x-custom": "1",
      },
    });
    expect(response.statusCode).toBe(201);
    const headers = upstream.seen.at(-1)?.headers ?? {};
    expect(headers).toMatchObject({
      accept: "application/json",
      "accept-language": "de",
      "user-agent": "sdk/1",
      "if-none-match": '"abc"',
      "x-api-key": "echo-connector-key-000000000000",
    });
    for (const name of [
      "metadata-flavor",
      "x-forwarded-for",
      "x-forwarded-host",
      "cookie",
      "authorization",
      "x-custom",
    ])
      expect(headers[name], name).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain(key);
  });

  it("answers a redirect as it is and never follows it", async () => {
    const key = await harness.keyWith("core:**");
    const response = await harness.call({ url: `/v1/connectors/${echoId}/api/v2/Redirect`, key });
    expect(response.statusCode).toBe(302);
    expect(upstream.seen.map((s) => s.url)).not.toContain("/api/v2/Redirected");
  });
});

describe("Core API proxy without SSRF_ALLOW", () => {
  let harness: TestHarness;
  let upstream: EchoUpstream;
  const connectorFetch = createGuardedFetch(createSsrfPolicy([]));

  beforeAll(async () => {
    harness = await buildTestApp({ connectorFetch });
    upstream = await startEchoUpstream();
  });
  afterAll(async () => {
    await harness.close();
    connectorFetch.close();
    await upstream.close();
  });

  it.each([
    "http://127.0.0.1:PORT",
    "http://localhost:PORT",
    "http://[::ffff:127.0.0.1]:PORT",
    "http://2130706433:PORT",
  ])("refuses a Connector at %s with 502 error.hub.connectorAddressNotAllowed", async (template) => {
    const id = uniqueName("loopback");
    const baseUrl = template.replace("PORT", String(upstream.port));
    const created = await harness.call({
      method: "POST",
      url: "/v1/connectors",
      payload: { id, name: id, baseUrl, apiKey: "loopback-connector-key-00000000" },
    });
    expect(created.statusCode).toBe(201);
    for (const url of [`/v1/connectors/${id}/api/v2/Messages`, `/v1/connectors/${id}/health`]) {
      const response = await harness.call({ url });
      expect(response.statusCode, url).toBe(502);
      expect(response.json().error.code).toBe("error.hub.connectorAddressNotAllowed");
      expect(response.body).not.toContain("127.0.0.1"); // the resolved address stays in the log
    }
    expect(upstream.seen).toEqual([]);
  });
});
