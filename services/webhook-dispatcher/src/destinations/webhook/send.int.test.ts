import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { classify } from "../../deliver/classify.ts";
import { abortedByLease } from "../../deliver/lease-keeper.ts";
import { createSender, type HttpRequest, type Sender } from "./send.ts";
import { MAX_RESPONSE_BODY_BYTES } from "../../deliver/send-result.ts";
import { createSsrfPolicy } from "@event-hub/shared";

// send.ts against local http and https receivers: no redirects, the destination's timeout, 16 KiB of
// response body, keep-alive, certificate checks and skipTlsCheck.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A local receiver that counts the requests and the TCP (or TLS) connections it was given. */
type Receiver = { url: string; requests: number; connections: number; close(): Promise<void> };

async function startReceiver(handler: Handler, tls?: { key: string; cert: string }): Promise<Receiver> {
  const server = tls ? https.createServer(tls) : http.createServer();
  const receiver = { url: "", requests: 0, connections: 0, close: async () => {} };
  server.on(tls ? "secureConnection" : "connection", () => (receiver.connections += 1));
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    receiver.requests += 1;
    request.resume();
    request.on("end", () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

const post = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  url,
  headers: { "content-type": "application/json" },
  body: '{"trigger":"transport.messageReceived","data":{}}',
  timeoutMs: 10_000,
  ...extra,
});

/** A self-signed certificate for 127.0.0.1 made by openssl, or undefined where there is none. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const openssl = findExecutable("openssl");
  if (!openssl) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "send-tls-"));
  try {
    execFileSync(
      openssl,
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2"])
        .concat(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]),
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("send", () => {
  let sender: Sender;
  const receivers: Receiver[] = [];
  const receiver = async (handler: Handler, tls?: { key: string; cert: string }) => {
    const started = await startReceiver(handler, tls);
    receivers.push(started);
    return started;
  };

  beforeAll(() => {
    sender = createSender(createSsrfPolicy(["127.0.0.0/8"]));
  });
  afterEach(async () => {
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(() => sender?.close());

  it("does not follow a 302: the Location target gets nothing and the delivery fails as a redirect", async () => {
    const target = await receiver((_, response) => response.writeHead(200).end());
    const redirecting = await receiver((_, response) =>
      response.writeHead(302, { location: target.url }).end(),
    );
    const result = await sender.send(post(redirecting.url));
    expect(result).toMatchObject({ kind: "response", status: 302, headers: { location: target.url } });
    expect(target.requests).toBe(0);
    expect(classify(result, new Date())).toMatchObject({ kind: "failed", outcome: "redirect" });
  });

  it("gives up on a receiver that does not answer within the destination's timeout", async () => {
    const silent = await receiver(() => {}); // never answers; closed after the test
    const result = await sender.send(post(silent.url, { timeoutMs: 300 }));
    expect(result).toMatchObject({ kind: "failure", failure: "timeout" });
    expect(silent.requests).toBe(1);
    expect(classify(result, new Date())).toStrictEqual({ kind: "retry", outcome: "timeout" });
  });

  it("keeps 16 KiB of a larger response body", async () => {
    const large = await receiver((_, response) => response.writeHead(500).end("x".repeat(40 * 1024)));
    const result = await sender.send(post(large.url));
    expect(result.kind === "response" && Buffer.byteLength(result.body)).toBe(MAX_RESPONSE_BODY_BYTES);
    expect(MAX_RESPONSE_BODY_BYTES).toBe(16_384);
  });

  it("cuts a multi-byte body at a character within 16 KiB, and drops NULs Postgres text cannot hold", async () => {
    // "a" then 4-byte units "\0€": the limit falls inside the 4,096th €, which is left out.
    const euros = await receiver((_, response) => response.writeHead(500).end(`a${"\0€".repeat(10_000)}`));
    const result = await sender.send(post(euros.url));
    if (result.kind !== "response") throw new Error(`expected a response, got ${JSON.stringify(result)}`);
    expect(result.body).toBe(`a${"€".repeat(4095)}`);
  });

  it("sends sequential POSTs to one receiver over one kept-alive connection", async () => {
    const steady = await receiver((_, response) => response.writeHead(204).end());
    for (let i = 0; i < 5; i++) expect(await sender.send(post(steady.url))).toMatchObject({ status: 204 });
    expect(steady.requests).toBe(5);
    expect(steady.connections).toBe(1);
  });

  it("reads a 1 MiB body only to 16 KiB, closes that connection, and the next POST gets a new one", async () => {
    const huge = await receiver((_, response) => response.writeHead(200).end("y".repeat(1024 * 1024)));
    for (let i = 0; i < 2; i++) {
      const result = await sender.send(post(huge.url));
      expect(result.kind === "response" && result.body.length).toBe(MAX_RESPONSE_BODY_BYTES);
    }
    expect(huge.requests).toBe(2);
    expect(huge.connections).toBe(2);
  });

  it("fails a refused connection as connect, retried", async () => {
    const closed = await receiver(() => {});
    const url = closed.url;
    await closed.close();
    const result = await sender.send(post(url));
    expect(result).toMatchObject({ kind: "failure", failure: "connect" });
    expect(classify(result, new Date())).toStrictEqual({ kind: "retry", outcome: "connect" });
  });

  it("fails a name that does not resolve as dns, retried", async () => {
    const result = await sender.send(post("http://hook.invalid/hook"));
    expect(result).toMatchObject({ kind: "failure", failure: "dns" });
    expect(classify(result, new Date())).toStrictEqual({ kind: "retry", outcome: "dns" });
  });

  it("refuses localhost and IP literals outside SSRF_ALLOW before connecting: ssrf_blocked, final", async () => {
    const strict = createSender(createSsrfPolicy([]));
    const steady = await receiver((_, response) => response.writeHead(204).end());
    const port = new URL(steady.url).port;
    for (const url of [steady.url, `http://localhost:${port}/hook`, `http://2130706433:${port}/hook`]) {
      const result = await strict.send(post(url));
      expect(result).toMatchObject({ kind: "failure", failure: "ssrf_blocked" });
      expect(classify(result, new Date())).toMatchObject({ kind: "failed" });
    }
    await strict.close();
    expect(steady.connections).toBe(0);
  });

  it("stops a POST in flight when the lease is lost: lease_lost, the receiver got it", async () => {
    const silent = await receiver(() => {});
    const controller = new AbortController();
    const lease = { signal: controller.signal, isHeld: () => !controller.signal.aborted };
    const sending = sender.send(post(silent.url, { signal: controller.signal }));
    while (silent.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("lease lost to another claim"));
    const result = abortedByLease(await sending, lease);
    expect(result).toMatchObject({ kind: "failure", failure: "lease_lost" });
    expect(result.kind === "failure" && result.message).toMatch(/lease lost to another claim/);
  });

  describe("https with a self-signed certificate", () => {
    const certificate = selfSignedCertificate();
    if (!certificate)
      console.warn("send.int.test: no openssl on PATH, the self-signed https tests are skipped");

    it.skipIf(!certificate)("fails the certificate check as a tls failure, retried", async () => {
      const secure = await receiver((_, response) => response.writeHead(200).end(), certificate);
      const result = await sender.send(post(secure.url));
      expect(result).toMatchObject({ kind: "failure", failure: "tls" });
      expect(secure.requests).toBe(0);
      expect(classify(result, new Date())).toStrictEqual({ kind: "retry", outcome: "tls" });
    });

    it.skipIf(!certificate)("delivers with skipTlsCheck", async () => {
      const secure = await receiver((_, response) => response.writeHead(200).end("ok"), certificate);
      const result = await sender.send(post(secure.url, { skipTlsCheck: true }));
      expect(result).toMatchObject({ kind: "response", status: 200, body: "ok" });
      expect(secure.requests).toBe(1);
      expect(classify(result, new Date())).toStrictEqual({ kind: "delivered" });
    });
  });
});
