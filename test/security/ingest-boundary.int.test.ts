import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { registerConnector, type IngestEndpoint } from "../e2e/connector-ingest.ts";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { startReceiver, type Receiver } from "../e2e/receiver.ts";
import { envelopeProblem, errorCodeOf, rawRequest, type RawAnswer } from "./raw-http.ts";

// The ingest boundary as a hostile peer or stranger meets it (contracts.md "Ingest"): event data
// is opaque and arrives at the receiver byte for byte, `__proto__` keys included; an unknown
// Connector and a wrong credential look alike; a disabled Connector is refused; failed credentials
// are limited per client.

/** Sent as this exact text: a JS object literal could not even hold an own `__proto__` key. */
const HOSTILE_DATA = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":[1,"é"]}';

describe("ingest: opaque data end to end, no enumeration, disabled Connectors, failed-credential limit", () => {
  const connectorId = uniqueName("sec-ingest");
  let hub: TestHub;
  let receiver: Receiver;
  let ingest: IngestEndpoint;
  const ingestTo = (path: string, body: string, headers: Record<string, string>): Promise<RawAnswer> =>
    rawRequest({
      baseUrl: new URL(ingest.url).origin,
      method: "POST",
      path,
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const event = (data: string) => `{"trigger":"transport.messageReceived","data":${data}}`;
  const rightKey = () => ({ [ingest.authentication.headerName]: ingest.authentication.apiKey });

  beforeAll(async () => {
    receiver = await startReceiver();
    hub = await startHub({ extraEnv: { SSRF_ALLOW: "127.0.0.0/8,::1" } });
    ingest = await registerConnector(hub.api, {
      id: connectorId,
      name: "peer data",
      baseUrl: "http://connector.invalid",
    });
    const webhook = await hub.api("POST", "/v1/webhooks", {
      url: `${receiver.url}/hook`,
      triggers: ["transport.messageReceived"],
      connectorIds: [connectorId],
    });
    expect(webhook.status).toBe(201);
  });

  afterAll(async () => {
    await hub?.services.stop();
    await receiver?.close();
  });

  it("delivers data with __proto__ and constructor.prototype keys byte for byte to the receiver", async () => {
    const accepted = await ingestTo(new URL(ingest.url).pathname, event(HOSTILE_DATA), rightKey());
    expect(accepted.status, accepted.text).toBe(202);
    const [delivered] = await receiver.waitFor(1);
    // What the Connector's webhooks module would send: JSON.stringify of what it got, unchanged.
    const sent = JSON.parse(event(HOSTILE_DATA)) as unknown;
    expect(delivered?.body).toBe(JSON.stringify(sent));
    expect(delivered?.body).toBe(event(HOSTILE_DATA));
    const stored = await rawRequest({
      baseUrl: hub.services.urls.apiGateway,
      method: "GET",
      path: `/v1/events/${(JSON.parse(accepted.text) as { result: { id: string } }).result.id}`,
      headers: { "x-api-key": hub.env.ADMIN_API_KEY },
    });
    expect(stored.text).toContain(`"data":${HOSTILE_DATA}`);
  });

  it("the API's own request bodies still refuse __proto__ keys (400)", async () => {
    const answer = await rawRequest({
      baseUrl: hub.services.urls.apiGateway,
      method: "POST",
      path: "/v1/keys",
      headers: { "content-type": "application/json", "x-api-key": hub.env.ADMIN_API_KEY },
      body: '{"name":"proto","scopes":["events:read"],"__proto__":{"scopes":["**"]}}',
    });
    expect(answer.status, answer.text).toBe(400);
    expect(envelopeProblem(answer)).toBeUndefined();
  });

  it("an unknown Connector and a wrong or missing credential get the same 401", async () => {
    const body = event("{}");
    const answers = [
      await ingestTo(`/v1/ingest/${uniqueName("no-such-connector")}`, body, rightKey()),
      await ingestTo(`/v1/ingest/${uniqueName("no-such-connector")}`, body, {}),
      await ingestTo(new URL(ingest.url).pathname, body, { [ingest.authentication.headerName]: "wrong" }),
      await ingestTo(new URL(ingest.url).pathname, body, {}),
    ];
    const seen = answers.map((answer) => {
      const error = envelopeProblem(answer)
        ? undefined
        : (JSON.parse(answer.text) as { error: { code: string; message: string } }).error;
      return { status: answer.status, code: error?.code, message: error?.message };
    });
    expect(seen[0]).toMatchObject({ status: 401, code: "error.hub.unauthorized" });
    expect(new Set(seen.map((one) => JSON.stringify(one))).size, JSON.stringify(seen)).toBe(1);
  });

  it("a disabled Connector with the right credential is refused: 403 error.hub.connectorDisabled", async () => {
    const id = uniqueName("sec-disabled");
    const disabled = await registerConnector(hub.api, {
      id,
      name: "disabled",
      baseUrl: "http://connector.invalid",
    });
    expect((await hub.api("PATCH", `/v1/connectors/${id}`, { enabled: false })).status).toBe(200);
    const answer = await ingestTo(new URL(disabled.url).pathname, event("{}"), {
      [disabled.authentication.headerName]: disabled.authentication.apiKey,
    });
    expect(answer.status, answer.text).toBe(403);
    expect(errorCodeOf(answer)).toBe("error.hub.connectorDisabled");
  });

  // Last: it leaves this client limited.
  it("failed credentials from one client are limited: 429 error.hub.tooManyRequests with Retry-After", async () => {
    let limited: RawAnswer | undefined;
    for (let attempt = 0; attempt < 100 && !limited; attempt += 1) {
      const answer = await ingestTo(new URL(ingest.url).pathname, event("{}"), {
        [ingest.authentication.headerName]: `guess-${attempt}`,
      });
      if (answer.status === 429) limited = answer;
      else expect(answer.status).toBe(401);
    }
    expect(limited?.status, "no 429 within 100 wrong credentials").toBe(429);
    expect(errorCodeOf(limited as RawAnswer)).toBe("error.hub.tooManyRequests");
    expect(Number(limited?.headers["retry-after"])).toBeGreaterThan(0);
  });
});
