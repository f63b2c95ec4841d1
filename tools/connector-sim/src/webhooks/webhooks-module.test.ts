import { createServer, type Server } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeSelfSignedCertificate } from "../../test/self-signed-certificate.ts";
import { WebhookReceiver } from "../../test/webhook-receiver.ts";
import { EventBus } from "../event-bus.ts";
import { createLogger } from "../logger.ts";
import type { WebhooksConfig } from "./config.ts";
import { WebhooksModule } from "./webhooks-module.ts";

const logger = createLogger("silent");
const receiver = new WebhookReceiver();
let redirectOrigin: string | undefined;
let bus: EventBus;
let module: WebhooksModule;

beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
afterEach(async () => {
  await module.stop();
  receiver.received.length = 0;
  receiver.status = 200;
  redirectOrigin = undefined;
});

function configure(config: WebhooksConfig): void {
  bus = new EventBus(logger);
  module = new WebhooksModule({ bus, logger, redirectOrigin: () => redirectOrigin });
  module.configure(config);
}

const raise = (namespace: string, data: unknown = { id: "X" }, correlationId: string | null = "corr-1") =>
  bus.publish({ namespace, eventTargetAddress: "did:e:a", data, correlationId: correlationId ?? undefined });

describe("WebhooksModule", () => {
  it("posts {data, trigger} to matching webhooks with {{trigger}}, static headers and x-correlation-id", async () => {
    configure({
      targets: {
        named: { url: `${receiver.url}/t/{{trigger}}/{{trigger}}`, headers: { "x-static": "yes" } },
      },
      webhooks: [
        { triggers: ["transport.*"], target: "named" },
        { triggers: ["**"], target: { url: `${receiver.url}/all` } },
      ],
    });
    raise("transport.messageReceived", { id: "MSG1" });
    raise("consumption.messageProcessed", { result: "NoRequest" }, null);
    await receiver.waitFor((r) => r.length === 3);
    const byPath = Object.fromEntries(receiver.received.map((p) => [`${p.path} ${p.body.trigger}`, p]));
    const named = byPath["/t/transport.messageReceived/%7B%7Btrigger%7D%7D transport.messageReceived"]!; // only the first is filled
    expect(named.body).toEqual({ data: { id: "MSG1" }, trigger: "transport.messageReceived" });
    expect(named.headers).toMatchObject({
      "x-static": "yes",
      "x-correlation-id": "corr-1",
      "content-type": "application/json",
    });
    expect(byPath["/all transport.messageReceived"]).toBeDefined();
    expect(byPath["/all consumption.messageProcessed"]!.headers["x-correlation-id"]).toBeUndefined();
  });

  it("posts once per matching trigger, as one subscription per trigger does", async () => {
    configure({ webhooks: [{ triggers: ["transport.*", "**"], target: { url: receiver.url } }] });
    raise("transport.messageSent");
    await receiver.waitFor((r) => r.length === 2);
  });

  it("adds ApiKey authentication (default header x-api-key, or headerName)", async () => {
    configure({
      webhooks: [
        {
          triggers: ["a.b"],
          target: { url: `${receiver.url}/1`, authentication: { type: "ApiKey", apiKey: "k1" } },
        },
        {
          triggers: ["a.b"],
          target: {
            url: `${receiver.url}/2`,
            authentication: { type: "ApiKey", apiKey: "k2", headerName: "x-ingest-key" },
          },
        },
      ],
    });
    raise("a.b");
    await receiver.waitFor((r) => r.length === 2);
    const byPath = Object.fromEntries(receiver.received.map((p) => [p.path, p.headers]));
    expect(byPath["/1"]!["x-api-key"]).toBe("k1");
    expect(byPath["/2"]!["x-ingest-key"]).toBe("k2");
  });

  it("gets an OAuth2 client-credentials token once and sends it as Bearer", async () => {
    const tokenRequests: { authorization?: string; body: string; contentType?: string }[] = [];
    const tokenServer: Server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        tokenRequests.push({
          authorization: request.headers.authorization,
          body,
          contentType: request.headers["content-type"],
        });
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ access_token: "tok", expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
    const address = tokenServer.address();
    const tokenUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/token`;
    configure({
      webhooks: [
        {
          triggers: ["**"],
          target: {
            url: receiver.url,
            authentication: {
              type: "OAuth2",
              accessTokenUrl: tokenUrl,
              clientId: "id",
              clientSecret: "secret",
              scope: "hub",
            },
          },
        },
      ],
    });
    raise("a.b");
    raise("a.c");
    await receiver.waitFor((r) => r.length === 2);
    await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
    expect(tokenRequests).toEqual([
      {
        authorization: `Basic ${Buffer.from("id:secret").toString("base64")}`,
        body: "grant_type=client_credentials&scope=hub",
        contentType: "application/x-www-form-urlencoded",
      },
    ]);
    expect(receiver.received.map((p) => p.headers.authorization)).toEqual(["Bearer tok", "Bearer tok"]);
  });

  it("does not retry: a non-2xx answer or a dead port is recorded once and the event is gone", async () => {
    configure({ webhooks: [{ triggers: ["**"], target: { url: `${receiver.url}/hook` } }] });
    receiver.status = 500;
    raise("a.b");
    await receiver.waitFor((r) => r.length === 1);
    redirectOrigin = "http://127.0.0.1:1";
    raise("a.c");
    await expect.poll(() => module.recentDeliveries().length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(1);
    const [failed, dead] = module.recentDeliveries();
    expect(failed).toMatchObject({ trigger: "a.b", status: 500 });
    expect(dead).toMatchObject({ trigger: "a.c", url: "http://127.0.0.1:1/hook" });
    expect(dead!.error).toBeTypeOf("string");
  });

  it("replaces its subscriptions when configured again", async () => {
    configure({ webhooks: [{ triggers: ["**"], target: { url: `${receiver.url}/old` } }] });
    module.configure({ webhooks: [{ triggers: ["**"], target: { url: `${receiver.url}/new` } }] });
    raise("a.b");
    await receiver.waitFor((r) => r.length === 1);
    expect(receiver.received[0]!.path).toBe("/new");
    expect(module.currentConfig().webhooks?.[0]?.target).toEqual({ url: `${receiver.url}/new` });
  });

  it("posts nothing with enabled: false, as the runtime then never loads the module", async () => {
    const webhooks = [{ triggers: ["**"], target: { url: `${receiver.url}/on` } }];
    // Not loaded means not parsed either: a broken target reference does not matter.
    configure({ enabled: false, webhooks: [...webhooks, { triggers: ["**"], target: "missing" }] });
    raise("a.b");
    await module.stop(); // waits for any POST under way
    expect(module.recentDeliveries()).toEqual([]);
    expect(receiver.received).toEqual([]);
    expect(module.currentConfig().enabled).toBe(false);

    module.configure({ enabled: true, webhooks });
    raise("a.c");
    await receiver.waitFor((r) => r.length === 1);
    expect(receiver.received[0]!.body.trigger).toBe("a.c");
  });

  it("reaches an https target with a self-signed certificate only with skipTlsCheck", async (context) => {
    const certificate = makeSelfSignedCertificate();
    if ("unavailable" in certificate) return context.skip(certificate.unavailable);
    const tlsReceiver = await new WebhookReceiver({ tls: certificate }).start();
    try {
      const webhooks = [{ triggers: ["**"], target: { url: `${tlsReceiver.url}/hook` } }];
      configure({ webhooks });
      raise("a.b");
      await module.stop(); // waits for the POST
      expect(module.recentDeliveries()).toEqual([
        expect.objectContaining({ trigger: "a.b", error: expect.stringMatching(/self-signed certificate/) }),
      ]);
      expect(tlsReceiver.received).toEqual([]);

      configure({ skipTlsCheck: true, webhooks });
      raise("a.c");
      await tlsReceiver.waitFor((r) => r.length === 1);
      expect(tlsReceiver.received[0]!.body).toEqual({ data: { id: "X" }, trigger: "a.c" });
    } finally {
      await module.stop();
      await tlsReceiver.stop();
    }
  });

  it.each([
    [{ webhooks: [{ triggers: ["**"], target: { url: "ftp://x" } }] }, "invalidUrlFormat"],
    [{ webhooks: [{ triggers: ["**"], target: "nope" }] }, "invalidTargetReference"],
    [
      {
        webhooks: [
          { triggers: ["**"], target: { url: "http://x", authentication: { type: "ApiKey", apiKey: "" } } },
        ],
      },
      "invalidAuthenticationConfig",
    ],
  ] as [WebhooksConfig, string][])("rejects %j with %s", (config, code) => {
    configure({});
    expect(() => module.configure(config)).toThrow(
      expect.objectContaining({ code: `error.runtime.modules.webhooks.${code}` }),
    );
  });

  it.each([
    [
      { type: "Basic", apiKey: "k" },
      "The authentication type 'Basic' is invalid. Valid types are 'OAuth2' and 'ApiKey'",
    ],
    [{ apiKey: "k" }, "'authentication.type' must be a string."],
  ])("rejects authentication %j with the ConfigParser's message", (authentication, message) => {
    configure({});
    const targets = { t: { url: "http://x", authentication } };
    expect(() => module.configure({ targets, webhooks: [] })).toThrow(
      expect.objectContaining({
        code: "error.runtime.modules.webhooks.invalidAuthenticationConfig",
        message,
      }),
    );
  });
});
