import { posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { registerConnector } from "../e2e/connector-ingest.ts";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { envelopeProblem, rawRequest, type RawAnswer } from "./raw-http.ts";
import { startRecordingServer, type RecordingServer } from "./recording-server.ts";

// The Core API proxy attacked as issue 11 found it: a key scoped to `core:messages` must reach the
// Connector only under /api/v2/Messages, whatever the path spells (dot segments plain, encoded and
// double-encoded, encoded slashes and backslashes, NUL and CR/LF). The Connector is a recording
// server answering 200 to everything, so any request let through shows as a 200.

/** What follows `/v1/connectors/{id}/api/`; each leaves /api/v2/Messages once decoded or normalised. */
const TRAVERSALS = [
  "v2/Messages/..%2FRequests%2FIncoming",
  "v2/Messages/..%2fRequests",
  "v2/Messages/../Requests/Incoming",
  "v2/Messages/../../../sim/webhooks",
  "v2/Messages/../../../../health",
  "v2/Messages/./../Requests",
  "v2/Messages/..",
  "v2/Messages/.",
  "v2/Messages/%2e%2e/Requests",
  "v2/Messages/%2E%2E/Requests",
  "v2/Messages/.%2e/Requests",
  "v2/Messages/%2e./Requests",
  "v2/Messages/%252e%252e/Requests",
  "v2/Messages/..%252fRequests",
  "v2/Messages/..%252FRequests",
  "v2/Messages/..%5cRequests",
  "v2/Messages/..%5CRequests",
  "v2/Messages/..%255cRequests",
  "v2/Messages/..\\Requests",
  "v2/Messages\\..\\Requests",
  "v2/Messages%2f..%2f..%2fRequests",
  "v2/Messages%2F..%2F..%2Fsim%2Fwebhooks",
  "v2/Messages//..//..//Requests",
  "v2/Messages/../Messages/../Requests",
  "v2/Messages/x%00/../../Requests",
  "v2/Messages/%00",
  "v2/Messages/%0d%0aX-Injected:%201",
  "v2/Messages/%0a",
  "core/v1/Messages/../../../v2/Requests",
  "v2/Messages/%2e%2e%2f%2e%2e%2f%2e%2e%2fsim%2fwebhooks",
];

/** Percent-decodes until stable, then resolves dot segments: where a path ends up at worst. */
function worstCaseResolution(path: string): string {
  let decoded = path.split("?")[0] ?? "";
  for (let round = 0; round < 3; round += 1) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  return posix.normalize(decoded.replaceAll("\\", "/"));
}

describe("Core API proxy: traversal corpus, header allow-list, redirects", () => {
  const connectorId = uniqueName("sec-proxy");
  const connectorKey = "the-connectors-own-api-key";
  let hub: TestHub;
  let connector: RecordingServer;
  let messagesKey = "";
  const base = () => `/v1/connectors/${connectorId}/api/`;
  const call = (path: string, headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest({ baseUrl: hub.services.urls.apiGateway, method: "GET", path: `${base()}${path}`, headers });

  beforeAll(async () => {
    connector = await startRecordingServer();
    hub = await startHub({ extraEnv: { SSRF_ALLOW: "127.0.0.0/8,::1", SYNC_ENABLED: "false" } });
    await registerConnector(hub.api, { id: connectorId, name: "proxied", baseUrl: connector.url });
    expect((await hub.api("PATCH", `/v1/connectors/${connectorId}`, { apiKey: connectorKey })).status).toBe(
      200,
    );
    const created = await hub.api("POST", "/v1/keys", { name: "messages only", scopes: ["core:messages"] });
    messagesKey = created.json.result.key;
  });

  afterAll(async () => {
    await hub?.services.stop();
    await connector?.close();
  });

  it("forwards /api/v2/Messages for core:messages with the Connector's key, and refuses Requests (403)", async () => {
    const allowed = await call("v2/Messages", { "x-api-key": messagesKey });
    expect(allowed.status, allowed.text).toBe(200);
    expect(connector.requests.at(-1)).toMatchObject({
      path: "/api/v2/Messages",
      headers: { "x-api-key": connectorKey },
    });
    const refused = await call("v2/Requests/Incoming", { "x-api-key": messagesKey });
    expect(refused.status).toBe(403);
    expect(envelopeProblem(refused)).toBeUndefined();
  });

  const corpusViolations = async (headers: Record<string, string>, allowedStatuses: number[]) => {
    const before = connector.requests.length;
    const violations: string[] = [];
    for (const path of TRAVERSALS) {
      const answer = await call(path, headers).catch((error: Error) => ({
        status: 0,
        headers: {},
        text: error.message,
      }));
      const problem = allowedStatuses.includes(answer.status)
        ? envelopeProblem(answer)
        : `expected ${allowedStatuses.join("/")}: ${answer.text.slice(0, 120)}`;
      if (problem) violations.push(`${path} → ${answer.status}: ${problem}`);
    }
    const reached = connector.requests.slice(before).map((request) => request.path);
    return { violations, reached };
  };

  it("core:messages key: every traversal is a 400/403/404 envelope; the Connector sees nothing outside /api/v2/Messages", async () => {
    const { violations, reached } = await corpusViolations({ "x-api-key": messagesKey }, [400, 403, 404]);
    expect
      .soft(
        reached.filter(
          (path) =>
            !path.startsWith("/api/v2/Messages") || !worstCaseResolution(path).startsWith("/api/v2/Messages"),
        ),
        "paths the Connector received",
      )
      .toEqual([]);
    expect(violations).toEqual([]);
  });

  it("admin key (every scope): every traversal is a 400/404 envelope; the Connector sees nothing outside /api", async () => {
    const { violations, reached } = await corpusViolations(
      { "x-api-key": hub.env.ADMIN_API_KEY },
      [400, 404],
    );
    expect
      .soft(
        reached.filter((path) => !/^\/api\/(v2|core\/v1)\//.test(worstCaseResolution(path))),
        "paths the Connector received",
      )
      .toEqual([]);
    expect(violations).toEqual([]);
  });

  it("no key: every traversal is a 401 envelope (auth runs first)", async () => {
    const { violations, reached } = await corpusViolations({}, [401]);
    expect(reached).toEqual([]);
    expect(violations).toEqual([]);
  });

  it("forwards only allow-listed request headers: never Metadata-Flavor, X-Forwarded-*, cookies, authorization or the caller's key", async () => {
    const answer = await call("v2/Messages", {
      "x-api-key": messagesKey,
      accept: "application/json",
      "x-correlation-id": "corr-allow-list",
      "metadata-flavor": "Google",
      "x-forwarded-for": "10.0.0.1",
      "x-forwarded-host": "internal.example",
      "x-forwarded-proto": "https",
      forwarded: "for=10.0.0.1",
      cookie: "session=stolen",
      authorization: "Bearer caller-token",
      "x-evil-custom": "not on any allow-list",
    });
    expect(answer.status).toBe(200);
    const { headers } = connector.requests.at(-1) ?? { headers: {} };
    expect(headers).toMatchObject({
      "x-api-key": connectorKey,
      accept: "application/json",
      "x-correlation-id": "corr-allow-list",
    });
    const forbidden = [
      "metadata-flavor",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-forwarded-proto",
      "forwarded",
      "cookie",
      "authorization",
      "x-evil-custom",
    ];
    expect(Object.keys(headers).filter((name) => forbidden.includes(name))).toEqual([]);
    expect(JSON.stringify(headers)).not.toContain(messagesKey);
  });

  it("does not follow the Connector's redirects (3xx as is, or 502)", async () => {
    connector.answerWith((request, response) => {
      if (request.path.startsWith("/api/v2/Messages/redirect"))
        return void response.writeHead(302, { location: "/sim/webhooks" }).end();
      response.writeHead(200, { "content-type": "application/json" }).end('{"result":"upstream"}');
    });
    const before = connector.requests.length;
    const answer = await call("v2/Messages/redirect", { "x-api-key": messagesKey });
    expect([301, 302, 303, 307, 308, 502]).toContain(answer.status);
    expect(connector.requests.slice(before).map((request) => request.path)).toEqual([
      "/api/v2/Messages/redirect",
    ]);
  });
});
