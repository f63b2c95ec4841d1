import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForCondition } from "@event-hub/webhook-dispatcher/testing/wait-for-condition";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createAdminApi } from "../e2e/admin-api.ts";
import { postIngestEvent, registerConnector } from "../e2e/connector-ingest.ts";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { concretePath, fetchOperations, type Operation } from "./openapi-operations.ts";
import { envelopeProblem, errorCodeOf, rawRequest, type RawAnswer } from "./raw-http.ts";
import { startRecordingServer, type RecordingServer } from "./recording-server.ts";
import { urlVariants } from "./url-variants.ts";

// Every operation of the gateway's OpenAPI document × every URL spelling × every kind of caller
// that must be refused (no key, a wrong key, a revoked key, a key without the route's scope, a key
// limited to another Connector). Violations are collected and listed together, so one run shows
// every hole. Connector A's baseUrl is a recording server: no refused call may reach it.

type Call = { operation: Operation; variant: string; path: string };

/** The route's own auth decision for a refused caller, or 404 for a spelling it does not know. */
const REFUSED = { "no key": 401, "wrong key": 401, "revoked key": 401, "key without the scope": 403 };

describe("gateway: every documented route refuses every caller it must, in every URL spelling", () => {
  const connectorA = uniqueName("sec-a");
  const connectorB = uniqueName("sec-b");
  let hub: TestHub;
  let upstream: RecordingServer;
  let receiver: RecordingServer;
  let operations: Operation[];
  const ids: Record<string, string> = {};
  /** Every id of Connector A's resources: none may show in an answer to a key limited to B. */
  let secretsOfA: string[] = [];
  let keyWithoutScope = "";
  let revokedKey = "";

  beforeAll(async () => {
    [upstream, receiver] = await Promise.all([startRecordingServer(), startRecordingServer()]);
    hub = await startHub({
      extraEnv: {
        SSRF_ALLOW: "127.0.0.0/8,::1",
        SYNC_ENABLED: "false", // only the matrix's calls may reach the upstream
        RATE_LIMIT_PER_SECOND: "100000",
        RATE_LIMIT_BURST: "100000",
      },
    });
    const api = hub.api;
    const ingest = await registerConnector(api, { id: connectorA, name: "A", baseUrl: upstream.url });
    await api("PATCH", `/v1/connectors/${connectorA}`, { apiKey: "connector-a-own-key" });
    await registerConnector(api, { id: connectorB, name: "B", baseUrl: "http://connector-b.invalid" });
    ids.connectors = connectorA;
    const webhook = await api("POST", "/v1/webhooks", {
      url: `${receiver.url}/hook`,
      triggers: ["**"],
      connectorIds: [connectorA],
    });
    ids.webhooks = webhook.json.result.id;
    ids.events = await postIngestEvent(ingest, { trigger: "transport.messageReceived", data: { n: 1 } });
    const deliveryOf = async () =>
      (await api("GET", `/v1/deliveries?eventId=${ids.events}`)).json.result?.[0]?.id as string | undefined;
    await waitForCondition(async () => (await deliveryOf()) !== undefined, 20_000, 100);
    ids.deliveries = (await deliveryOf()) ?? "";
    const subscription = await api("POST", "/v1/subscriptions", {
      name: uniqueName("sec-sub"),
      triggers: ["**"],
      connectorIds: [connectorA],
    });
    ids.subscriptions = subscription.json.result.id;
    const scopeless = await api("POST", "/v1/keys", { name: "no useful scope", scopes: ["nothing:useful"] });
    keyWithoutScope = scopeless.json.result.key;
    // /v1/keys/{id} gets a key of its own, so a hole that revokes it spoils no other caller's run.
    ids.keys = (
      await api("POST", "/v1/keys", { name: "path parameter", scopes: ["events:read"] })
    ).json.result.id;
    const revoked = await api("POST", "/v1/keys", { name: "revoked", scopes: ["**"] });
    revokedKey = revoked.json.result.key;
    expect((await api("DELETE", `/v1/keys/${revoked.json.result.id}`)).status).toBe(204);
    secretsOfA = [connectorA, upstream.url, ...Object.values(ids).filter((id) => !id.startsWith("key_"))];
    expect(Object.values(ids).every(Boolean), JSON.stringify(ids)).toBe(true);
    // GETs first and DELETEs last, so a hole that deletes something shows without hiding the rest.
    const order = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    operations = (await fetchOperations(hub.services.urls.apiGateway))
      .filter((operation) => operation.needsKey)
      .sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
  });

  afterAll(async () => {
    await hub?.services.stop();
    await Promise.all([upstream?.close(), receiver?.close()]);
  });

  const callsOf = (withVariants: boolean): Call[] =>
    operations.flatMap((operation) => {
      const path = concretePath(operation, ids);
      const canonical = { operation, variant: "canonical", path };
      if (!withVariants) return [canonical];
      return [
        canonical,
        ...urlVariants(path).map((variant) => ({ operation, variant: variant.name, ...variant })),
      ];
    });

  const send = (call: Call, headers: Record<string, string>): Promise<RawAnswer> => {
    const body = call.operation.bodyExample;
    return rawRequest({
      baseUrl: hub.services.urls.apiGateway,
      method: call.operation.method,
      path: call.path,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };

  /** Sends every call (a few at a time) and returns one line per answer that breaks the rule. */
  const violationsOf = async (
    calls: Call[],
    headers: Record<string, string>,
    problemOf: (call: Call, answer: RawAnswer) => string | undefined,
  ): Promise<string[]> => {
    const violations: string[] = [];
    const queue = [...calls];
    const worker = async () => {
      for (let call = queue.shift(); call; call = queue.shift()) {
        const answer = await send(call, headers).catch((error: Error) => ({
          status: 0,
          headers: {},
          text: error.message,
        }));
        const problem = problemOf(call, answer);
        if (problem)
          violations.push(
            `${call.operation.method} ${call.path} [${call.variant}] → ${answer.status}: ${problem}`,
          );
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return violations.sort();
  };

  const isProxyPathRefusal = (call: Call, answer: RawAnswer) =>
    call.operation.template.includes("/api/{") &&
    answer.status === 400 &&
    errorCodeOf(answer) === "error.hub.proxy.invalidPath";

  const expectNone = (violations: string[], calls: number) => {
    const shown = violations.slice(0, 80);
    if (violations.length > shown.length) shown.push(`… and ${violations.length - shown.length} more`);
    expect(shown, `${violations.length} of ${calls} calls broke the rule`).toEqual([]);
  };

  it("is generated from the document: every /v1 operation, with real ids the admin key can read", async () => {
    const templates = operations.map((operation) => `${operation.method} ${operation.template}`);
    expect(templates.length).toBeGreaterThan(30);
    expect(templates.every((template) => template.split(" ")[1]?.startsWith("/v1/"))).toBe(true);
    const reads = operations.filter(
      (operation) => operation.method === "GET" && operation.template.includes("{id}"),
    );
    for (const operation of reads) {
      const answer = await send(
        { operation, variant: "canonical", path: concretePath(operation, ids) },
        {
          "x-api-key": hub.env.ADMIN_API_KEY,
        },
      );
      expect(answer.status, `${operation.template}: ${answer.text.slice(0, 200)}`).toBeLessThan(300);
    }
  });

  it("an unknown path is 404 routeDoesNotExist with a key, 401 or 404 without, never 2xx", async () => {
    const unknown = [
      "/",
      "/v1",
      "/v1/",
      "/v1/nope",
      "/v2/connectors",
      `/v1/connectors/${connectorA}/nope`,
      "/%761/nope",
    ];
    const seen: string[] = [];
    for (const path of unknown) {
      const callers: Array<Record<string, string>> = [{}, { "x-api-key": hub.env.ADMIN_API_KEY }];
      for (const headers of callers) {
        const answer = await rawRequest({
          baseUrl: hub.services.urls.apiGateway,
          method: "GET",
          path,
          headers,
        });
        const withKey = "x-api-key" in headers;
        const wanted = withKey ? [404] : [401, 404];
        const codeOk = !withKey || errorCodeOf(answer) === "error.hub.http.routeDoesNotExist";
        if (!wanted.includes(answer.status) || envelopeProblem(answer) || !codeOk)
          seen.push(`${withKey ? "key" : "no key"} ${path} → ${answer.status} ${answer.text.slice(0, 100)}`);
      }
    }
    expect(seen).toEqual([]);
  });

  for (const [caller, status] of Object.entries(REFUSED)) {
    it(`${caller}: ${status} on the canonical path, ${status} or 404 on every other spelling, always an envelope`, async () => {
      const headers: Record<string, string> = {
        "no key": {},
        "wrong key": { "x-api-key": "hubk_thisIsNotAKeyTheHubEverIssued0000000000" },
        "revoked key": { "x-api-key": revokedKey },
        "key without the scope": { "x-api-key": keyWithoutScope },
      }[caller] as Record<string, string>;
      const before = upstream.requests.length;
      // A revoked key is a stored key: the canonical paths say enough about it.
      const calls = callsOf(caller !== "revoked key");
      const violations = await violationsOf(calls, headers, (call, answer) => {
        const allowed = call.variant === "canonical" ? [status] : [status, 404];
        // The proxy reads its scope from the forwarded path; a path it never forwards (a trailing
        // slash is an empty segment) is a 400 for any valid key: no Connector scope can be read from it.
        if (caller === "key without the scope" && isProxyPathRefusal(call, answer))
          return envelopeProblem(answer);
        if (!allowed.includes(answer.status))
          return `expected ${allowed.join(" or ")}: ${answer.text.slice(0, 160)}`;
        return envelopeProblem(answer);
      });
      expectNone(violations, calls.length);
      expect(upstream.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    });
  }

  it("key limited to another Connector: 404 for A's resources, no 2xx showing A, A's Connector never called", async () => {
    const created = await hub.api("POST", "/v1/keys", {
      name: "limited to B",
      scopes: ["**"],
      connectorIds: [connectorB],
    });
    expect(created.status, `POST /v1/keys with connectorIds: ${JSON.stringify(created.json)}`).toBe(201);
    expect(created.json.result.connectorIds).toEqual([connectorB]);
    const before = upstream.requests.length;
    // Keys are not a Connector's resources (contracts.md limits Connectors, events, deliveries,
    // webhooks and subscriptions), and revoking the matrix's own keys would spoil the run.
    const calls = callsOf(true).filter((call) => !call.operation.template.startsWith("/v1/keys"));
    const violations = await violationsOf(calls, { "x-api-key": created.json.result.key }, (call, answer) => {
      const leaked = secretsOfA.filter((secret) => answer.text.includes(secret));
      if (answer.status >= 200 && answer.status < 300) {
        if (call.operation.template.includes("{id}"))
          return `2xx for A's resource: ${answer.text.slice(0, 160)}`;
        if (leaked.length > 0) return `2xx showing A's ${leaked.join(", ")}`;
        return undefined;
      }
      const problem = envelopeProblem(answer);
      if (problem) return problem;
      if (call.variant !== "canonical" || !call.operation.template.includes("{id}")) return undefined;
      const code = errorCodeOf(answer) ?? "";
      if (call.operation.template.startsWith("/v1/connectors/"))
        return answer.status === 404 && code === "error.hub.connectorNotFound"
          ? undefined
          : `expected 404 error.hub.connectorNotFound, got ${code}`;
      return answer.status === 404 && /NotFound$/.test(code)
        ? undefined
        : `expected 404 …NotFound, got ${code}`;
    });
    expectNone(violations, calls.length);
    expect(upstream.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // The contract's own sentences for a limited key (contracts.md "API keys scoped to Connectors").
    const limited = createAdminApi(hub.services.urls.apiGateway, created.json.result.key);
    const listed = await limited("GET", "/v1/connectors");
    expect(listed.status).toBe(200);
    expect(listed.json.result.map((connector: { id: string }) => connector.id)).toEqual([connectorB]);
    const register = await limited("POST", "/v1/connectors", {
      name: "new",
      baseUrl: "http://connector.example",
    });
    expect({ status: register.status, code: register.json.error?.code }).toEqual({
      status: 403,
      code: "error.hub.forbidden",
    });
    // Without connectorIds the new key is either refused or limited like its creator: never unlimited.
    const unlimitedKey = await limited("POST", "/v1/keys", { name: "escape", scopes: ["events:read"] });
    if (unlimitedKey.status === 201) expect(unlimitedKey.json.result.connectorIds).toEqual([connectorB]);
    else
      expect(unlimitedKey).toMatchObject({ status: 403, json: { error: { code: "error.hub.forbidden" } } });
    const otherKey = await limited("POST", "/v1/keys", {
      name: "escape",
      scopes: ["events:read"],
      connectorIds: [connectorA],
    });
    expect(otherKey.status).toBe(403);
  });
});
