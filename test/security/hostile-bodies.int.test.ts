import { MAX_EVENT_DATA_BYTES } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { registerConnector, type IngestEndpoint } from "../e2e/connector-ingest.ts";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { concretePath, fetchOperations, type Operation } from "./openapi-operations.ts";
import { envelopeProblem, errorCodeOf, rawRequest, type RawAnswer } from "./raw-http.ts";
import { dribble, promiseBigBody, requestHead, type SocketAnswer } from "./raw-socket.ts";

// Hostile request bodies at every write route of the gateway (from its OpenAPI document) and at
// ingest: oversized, dribbled one byte a second, nested 10,000 deep, invalid UTF-8, of the wrong
// content type. Each gets a 4xx envelope (or, for a slow body, the connection cut by the server's
// timeout), never a crash: the service still answers /health.

/** Short server timeouts for the test's services: every service reads these (shared/src/config.ts). */
const SHORT_TIMEOUTS = { HTTP_REQUEST_TIMEOUT_MS: "3000", HTTP_HEADERS_TIMEOUT_MS: "2000" };
/** A slow body must be cut within this (the timeout plus the server's check interval and slack). */
const CUT_OFF_BUDGET_MS = 10_000;
const NESTING = 10_000;
const GATEWAY_OVERSIZE_BYTES = 2 * 1024 * 1024; // fastify's default limit is 1 MiB
const INVALID_UTF8_BYTES = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);

/**
 * The route's documented example body with invalid UTF-8 inside its first string value, so the
 * bytes are the only thing wrong with it; undefined when the example has no string to spoil.
 */
function withInvalidUtf8(example: unknown): Buffer | undefined {
  const json = JSON.stringify(example);
  // A free-text field if there is one: an id with a pattern would be refused for its pattern.
  const match = /"(?:name|description|url)":"[^"\\]*/.exec(json) ?? /:"[^"\\]*/.exec(json);
  if (!match) return undefined;
  const at = match.index + match[0].length;
  return Buffer.concat([Buffer.from(json.slice(0, at)), INVALID_UTF8_BYTES, Buffer.from(json.slice(at))]);
}
const WRONG_CONTENT_TYPES: Array<[string, string]> = [
  ["text/plain", "hello"],
  ["application/x-www-form-urlencoded", "name=x"],
  ["application/xml", "<name>x</name>"],
  ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--'],
];

/** A raw-socket outcome as an answer: no answer in time or a closed connection is status 0. */
function asRawAnswer(outcome: SocketAnswer | undefined): RawAnswer {
  if (outcome && "status" in outcome) return outcome;
  return {
    status: 0,
    headers: {},
    text: outcome ? `closed after ${outcome.closedAfterMs} ms` : "no answer in 5 s",
  };
}

describe("hostile request bodies at the gateway's write routes and at ingest", () => {
  const connectorId = uniqueName("sec-body");
  let hub: TestHub;
  let ingest: IngestEndpoint;
  let writes: Array<{ operation: Operation; path: string }>;
  const admin = (): Record<string, string> => ({ "x-api-key": hub.env.ADMIN_API_KEY });
  const gateway = () => hub.services.urls.apiGateway;
  const ingestPath = () => new URL(ingest.url).pathname;
  const ingestBase = () => new URL(ingest.url).origin;
  const credential = () => ({ [ingest.authentication.headerName]: ingest.authentication.apiKey });

  beforeAll(async () => {
    hub = await startHub({
      extraEnv: { ...SHORT_TIMEOUTS, RATE_LIMIT_PER_SECOND: "100000", RATE_LIMIT_BURST: "100000" },
    });
    ingest = await registerConnector(hub.api, {
      id: connectorId,
      name: "bodies",
      baseUrl: "http://connector.invalid",
    });
    // The Core API proxy streams bodies to the Connector untouched: its bodies are the Connector's to judge.
    writes = (await fetchOperations(gateway()))
      .filter(
        (operation) => operation.bodyExample !== undefined && !operation.template.includes("/api/{path}"),
      )
      .map((operation) => ({ operation, path: concretePath(operation, {}) }));
  });

  afterAll(async () => {
    await hub?.services.stop();
  });

  const expectAlive = async () => {
    for (const base of [gateway(), ingestBase()])
      expect((await fetch(`${base}/health`)).status, base).toBe(200);
  };

  /** One line per route whose answer is not one of `statuses` in the envelope. */
  const problemsAtWrites = async (
    send: (write: { operation: Operation; path: string }) => Promise<RawAnswer>,
    statuses: number[],
    routes = writes,
  ) => {
    const problems: string[] = [];
    for (const write of routes) {
      const answer = await send(write).catch((error: Error) => ({
        status: 0,
        headers: {},
        text: error.message,
      }));
      const problem = statuses.includes(answer.status) ? envelopeProblem(answer) : answer.text.slice(0, 140);
      if (problem) problems.push(`${write.operation.method} ${write.path} → ${answer.status}: ${problem}`);
    }
    return problems;
  };

  const jsonTo = (write: { operation: Operation; path: string }, body: string | Buffer, headers = admin()) =>
    rawRequest({
      baseUrl: gateway(),
      method: write.operation.method,
      path: write.path,
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("covers every write route of the document", () => {
    expect(writes.length).toBeGreaterThan(15);
  });

  it("gateway: an oversized body is 413 with a key and 401 without one", async () => {
    const promise =
      (headers: Record<string, string>) => async (write: { operation: Operation; path: string }) =>
        asRawAnswer(
          await promiseBigBody(gateway(), {
            method: write.operation.method,
            path: write.path,
            headers: { "content-type": "application/json", ...headers },
            contentLength: GATEWAY_OVERSIZE_BYTES,
          }),
        );
    expect(await problemsAtWrites(promise(admin()), [413])).toEqual([]);
    expect(await problemsAtWrites(promise({}), [401])).toEqual([]);
    await expectAlive();
  });

  it("gateway: JSON nested 10,000 deep is a 400", async () => {
    const deep = `{"name":${"[".repeat(NESTING)}${"]".repeat(NESTING)}}`;
    expect(await problemsAtWrites((write) => jsonTo(write, deep), [400])).toEqual([]);
    await expectAlive();
  });

  it("gateway: invalid UTF-8 inside an otherwise valid body is a 400", async () => {
    const spoilable = writes.filter((write) => withInvalidUtf8(write.operation.bodyExample));
    expect(spoilable.length).toBeGreaterThan(5);
    const send = (write: { operation: Operation; path: string }) =>
      jsonTo(write, withInvalidUtf8(write.operation.bodyExample) ?? "");
    expect(await problemsAtWrites(send, [400], spoilable)).toEqual([]);
    await expectAlive();
  });

  it("gateway: a body that is not JSON (or has no content type) is a 415 or 400", async () => {
    for (const [contentType, body] of WRONG_CONTENT_TYPES) {
      const send = (write: { operation: Operation; path: string }) =>
        jsonTo(write, body, { ...admin(), "content-type": contentType });
      expect(await problemsAtWrites(send, [415, 400]), contentType).toEqual([]);
    }
    const untyped = (write: { operation: Operation; path: string }) =>
      rawRequest({
        baseUrl: gateway(),
        method: write.operation.method,
        path: write.path,
        headers: admin(),
        body: '{"name":"x"}',
      });
    expect(await problemsAtWrites(untyped, [415, 400]), "no content-type").toEqual([]);
    await expectAlive();
  });

  it("gateway: a body sent one byte a second is cut off by the server", async () => {
    const outcomes = await Promise.all(
      writes.map(async (write) => {
        const head = requestHead(write.operation.method, write.path, {
          ...admin(),
          "content-type": "application/json",
          "content-length": "1000",
        });
        return [
          `${write.operation.method} ${write.path}`,
          await dribble(gateway(), head, CUT_OFF_BUDGET_MS),
        ] as const;
      }),
    );
    expect(
      outcomes.filter(([, outcome]) => outcome === undefined).map(([route]) => `${route}: still open`),
    ).toEqual([]);
    await expectAlive();
  });

  const toIngest = (body: string | Buffer, headers: Record<string, string> = credential()) =>
    rawRequest({
      baseUrl: ingestBase(),
      method: "POST",
      path: ingestPath(),
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("ingest: an oversized body is a 413 envelope with the right credential", async () => {
    const outcome = await promiseBigBody(ingestBase(), {
      method: "POST",
      path: ingestPath(),
      headers: { ...credential(), "content-type": "application/json" },
      contentLength: MAX_EVENT_DATA_BYTES + 1024,
    });
    const answer = asRawAnswer(outcome);
    expect(answer.status, answer.text).toBe(413);
    expect(envelopeProblem(answer)).toBeUndefined();
    await expectAlive();
  });

  it("ingest: a wrong credential is a 401 before the body is read (a 10 MB promise, 64 KB sent)", async () => {
    const framings: Array<Record<string, string>> = [{}, { "transfer-encoding": "chunked" }];
    for (const framing of framings) {
      const outcome = await promiseBigBody(ingestBase(), {
        method: "POST",
        path: ingestPath(),
        headers: {
          "content-type": "application/json",
          [ingest.authentication.headerName]: "a-wrong-credential",
          ...framing,
        },
        contentLength: 11_000_000,
      });
      const answer = asRawAnswer(outcome);
      expect.soft(answer.status, `${JSON.stringify(framing)}: ${answer.text}`).toBe(401);
      expect.soft(errorCodeOf(answer), JSON.stringify(framing)).toBe("error.hub.unauthorized");
    }
    await expectAlive();
  });

  it("ingest: a body sent one byte a second, and headers sent one byte a second, are cut off", async () => {
    const slowBody = requestHead("POST", ingestPath(), {
      ...credential(),
      "content-type": "application/json",
      "content-length": "1000",
    });
    const slowHeaders = `POST ${ingestPath()} HTTP/1.1\r\nhost: localhost\r\nx-slow: `;
    const [body, headers] = await Promise.all([
      dribble(ingestBase(), slowBody, CUT_OFF_BUDGET_MS),
      dribble(ingestBase(), slowHeaders, CUT_OFF_BUDGET_MS, "a"),
    ]);
    expect({ body: body ?? "still open", headers: headers ?? "still open" }).toMatchObject({
      body: expect.any(Object),
      headers: expect.any(Object),
    });
    await expectAlive();
  });

  it("ingest: event data nested 10,000 deep is accepted (202) or refused (400), never a crash", async () => {
    const deep = `{"trigger":"transport.messageReceived","data":${"[".repeat(NESTING)}${"]".repeat(NESTING)}}`;
    const answer = await toIngest(deep);
    expect([202, 400], answer.text.slice(0, 200)).toContain(answer.status);
    if (answer.status === 400) expect(envelopeProblem(answer)).toBeUndefined();
    await expectAlive();
  });

  it("ingest: invalid UTF-8 is a 400 envelope (the data could not be passed on byte-faithfully)", async () => {
    const body = Buffer.concat([
      Buffer.from('{"trigger":"transport.messageReceived","data":{"text":"'),
      INVALID_UTF8_BYTES,
      Buffer.from('"}}'),
    ]);
    const answer = await toIngest(body);
    expect(answer.status, answer.text).toBe(400);
    expect(envelopeProblem(answer)).toBeUndefined();
  });

  it("ingest: a body that is not JSON is a 415 or 400 envelope", async () => {
    const problems: string[] = [];
    for (const [contentType, body] of [
      ...WRONG_CONTENT_TYPES,
      ["application/json", "{not json"] as [string, string],
    ]) {
      const answer = await toIngest(body, { ...credential(), "content-type": contentType });
      if (![400, 415].includes(answer.status) || envelopeProblem(answer))
        problems.push(`${contentType} → ${answer.status}: ${answer.text.slice(0, 120)}`);
    }
    expect(problems).toEqual([]);
    await expectAlive();
  });
});
