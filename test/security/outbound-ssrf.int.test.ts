import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForCondition } from "@event-hub/webhook-dispatcher/testing/wait-for-condition";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { Json } from "../e2e/admin-api.ts";
import { postIngestEvent, registerConnector } from "../e2e/connector-ingest.ts";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { envelopeProblem, errorCodeOf, rawRequest } from "./raw-http.ts";
import { startRecordingServer, type RecordingServer } from "./recording-server.ts";

// Every way the hub connects out, with SSRF_ALLOW empty in every service (contracts.md "One SSRF
// policy"): webhook URLs, OAuth2 token URLs, AMQP brokers, and a Connector's baseUrl as the Core
// API proxy and sync use it. Each points at a spelling of a private address; the ones that land
// on this machine land on a real listener, which must never see a connection.

/** Hosts that are, or resolve to, addresses the policy refuses (`:port` is added where it fits). */
const HOSTS = [
  "2130706433", // decimal 127.0.0.1
  "0177.0.0.1", // octal
  "0x7f.0.0.1", // hex per octet
  "0x7f000001", // hex whole
  "127.1", // short form
  "[::ffff:127.0.0.1]", // IPv4-mapped IPv6
  "[::ffff:7f00:1]",
  "[64:ff9b::7f00:1]", // NAT64
  "[2002:7f00:1::]", // 6to4
  "169.254.169.254", // link-local (cloud metadata)
  "[fe80::1]",
  "metadata.google.internal",
  "localhost",
  "foo.localhost",
  "[::1]",
  "0.0.0.0",
];

/** A listener on 127.0.0.1 and, where the machine has it, [::1] on the same port. */
type Trap = { port: number; servers: RecordingServer[]; connections(): number; close(): Promise<void> };

async function startTrap(): Promise<Trap> {
  const v4 = await startRecordingServer("127.0.0.1");
  const v6 = await startRecordingServer("::1", v4.port).catch(() => undefined);
  const servers = v6 ? [v4, v6] : [v4];
  return {
    port: v4.port,
    servers,
    connections: () => servers.reduce((sum, server) => sum + server.connections(), 0),
    close: async () => void (await Promise.all(servers.map((server) => server.close()))),
  };
}

/**
 * Whether the policy itself must refuse the host: every IP literal and every name that resolves
 * here. A name that does not resolve on this machine fails anyway; the policy may or may not name it.
 */
async function mustBeRefusedByPolicy(host: string): Promise<boolean> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare) !== 0 || /^[0-9.x]+$/i.test(bare)) return true;
  return lookup(bare).then(
    () => true,
    () => false,
  );
}

describe("SSRF: no outbound path reaches a private address when SSRF_ALLOW is empty", () => {
  const connectorId = uniqueName("sec-ssrf");
  let hub: TestHub;
  const traps: Record<"webhook" | "token" | "amqp" | "connector", Trap> = {} as never;
  const refusedByPolicy = new Map<string, boolean>();
  /** destination id → [kind, host] */
  const destinations = new Map<string, [string, string]>();
  const connectorsByHost = new Map<string, string>();

  beforeAll(async () => {
    for (const kind of ["webhook", "token", "amqp", "connector"] as const) traps[kind] = await startTrap();
    for (const host of HOSTS) refusedByPolicy.set(host, await mustBeRefusedByPolicy(host));
    hub = await startHub({
      extraEnv: {
        SSRF_ALLOW: "",
        CORE_API_TIMEOUT_MS: "2000",
        SYNC_TIMEOUT_MS: "2000",
        AMQP_CONNECT_TIMEOUT_MS: "2000",
        // The waits below poll every destination's delivery; on a loaded machine they outlast the
        // default burst and the later tests got 429 instead of the answer they check.
        RATE_LIMIT_PER_SECOND: "100000",
        RATE_LIMIT_BURST: "100000",
      },
    });
    const ingest = await registerConnector(hub.api, {
      id: connectorId,
      name: "source of events",
      baseUrl: "http://connector.invalid",
    });
    const create = async (kind: string, host: string, body: Json) => {
      const created = await hub.api("POST", "/v1/webhooks", {
        triggers: ["ssrf.probe"],
        connectorIds: [connectorId],
        timeoutMs: 2000,
        ...body,
      });
      expect(created.status, `${kind} ${host}: ${JSON.stringify(created.json)}`).toBe(201);
      destinations.set(created.json.result.id, [kind, host]);
    };
    for (const host of HOSTS) {
      await create("webhook", host, { url: `http://${host}:${traps.webhook.port}/hook` });
      await create("token", host, {
        url: "https://receiver.invalid/hook",
        authentication: {
          type: "OAuth2",
          accessTokenUrl: `http://${host}:${traps.token.port}/token`,
          clientId: "client",
          clientSecret: "secret",
        },
      });
      await create("amqp", host, {
        type: "amqp",
        amqp: { url: `amqp://guest:guest@${host}:${traps.amqp.port}/`, exchange: "events" },
      });
    }
    await postIngestEvent(ingest, { trigger: "ssrf.probe", data: { probe: true } });
    // One Connector per host, for the Core API proxy and for sync; refused up front (400) is as good.
    for (const [index, host] of HOSTS.entries()) {
      const id = `${connectorId}-${index}`;
      const registered = await hub.api("POST", "/v1/connectors", {
        id,
        name: `private ${host}`,
        baseUrl: `http://${host}:${traps.connector.port}`,
        apiKey: "the-connectors-own-key",
      });
      expect([201, 400], `registering ${host}: ${JSON.stringify(registered.json)}`).toContain(
        registered.status,
      );
      if (registered.status === 201) connectorsByHost.set(host, id);
    }
  });

  afterAll(async () => {
    await hub?.services.stop();
    await Promise.all(Object.values(traps).map((trap) => trap?.close()));
  });

  /** The first recorded attempt of each destination of this kind, once all have one. */
  const firstAttempts = async (kind: string) => {
    const ids = [...destinations].filter(([, [k]]) => k === kind).map(([id]) => id);
    const deliveryOf = async (destinationId: string) =>
      (await hub.api("GET", `/v1/deliveries?destinationId=${destinationId}`)).json.result?.[0] as
        Json | undefined;
    await waitForCondition(
      async () => (await Promise.all(ids.map(deliveryOf))).every((d) => (d?.attemptCount ?? 0) >= 1),
      30_000,
      200,
    );
    return Promise.all(
      ids.map(async (id) => {
        const delivery = (await hub.api("GET", `/v1/deliveries/${(await deliveryOf(id))?.id}`)).json.result;
        return { host: destinations.get(id)?.[1] ?? "", delivery, attempt: delivery.attempts[0] as Json };
      }),
    );
  };

  const refusalProblems = (attempts: Awaited<ReturnType<typeof firstAttempts>>) =>
    attempts.flatMap(({ host, delivery, attempt }) => {
      if (delivery.status === "delivered") return [`${host}: delivered`];
      // The outcome itself, for webhook, token and broker URLs alike: an operator filters on it.
      if (refusedByPolicy.get(host) && attempt.outcome !== "ssrf_blocked")
        return [`${host}: recorded ${attempt.outcome} (${attempt.error}), not an SSRF refusal`];
      return [];
    });

  it("webhook URLs: every attempt recorded as refused (ssrf), the receiver gets nothing", async () => {
    expect(refusalProblems(await firstAttempts("webhook"))).toEqual([]);
    expect(traps.webhook.connections()).toBe(0);
  });

  it("OAuth2 token URLs: the token request is refused (ssrf) and recorded, the token endpoint gets nothing", async () => {
    expect(refusalProblems(await firstAttempts("token"))).toEqual([]);
    expect(traps.token.connections()).toBe(0);
  });

  it("AMQP broker URLs: the connection is refused (ssrf) and recorded, the broker gets nothing", async () => {
    expect(refusalProblems(await firstAttempts("amqp"))).toEqual([]);
    expect(traps.amqp.connections()).toBe(0);
  });

  it("Core API proxy: a Connector whose baseUrl is private answers 502 connectorAddressNotAllowed", async () => {
    const problems: string[] = [];
    await Promise.all(
      [...connectorsByHost].map(async ([host, id]) => {
        const answer = await rawRequest({
          baseUrl: hub.services.urls.apiGateway,
          method: "GET",
          path: `/v1/connectors/${id}/api/v2/Messages`,
          headers: { "x-api-key": hub.env.ADMIN_API_KEY },
        });
        const code = errorCodeOf(answer);
        const wanted = refusedByPolicy.get(host) ? ["error.hub.connectorAddressNotAllowed"] : undefined;
        if (answer.status !== 502 || envelopeProblem(answer) || (wanted && !wanted.includes(code ?? "")))
          problems.push(`${host}: ${answer.status} ${answer.text.slice(0, 140)}`);
      }),
    );
    expect(problems.sort()).toEqual([]);
    expect(
      traps.connector.servers.flatMap((s) => s.requests).filter((r) => r.path.includes("Messages")),
    ).toEqual([]);
  });

  it("sync: a Connector whose baseUrl is private fails its sync with a recorded error, never connecting", async () => {
    for (const id of connectorsByHost.values()) await hub.api("POST", `/v1/connectors/${id}/sync`);
    const syncOf = async (id: string) =>
      (await hub.api("GET", `/v1/connectors/${id}`)).json.result.sync as Json;
    const ids = [...connectorsByHost.values()];
    await waitForCondition(
      async () =>
        (await Promise.all(ids.map(syncOf))).every(
          (sync) => sync.lastFailedAt !== null || sync.lastSucceededAt !== null,
        ),
      30_000,
      200,
    );
    const problems: string[] = [];
    for (const [host, id] of connectorsByHost) {
      const sync = await syncOf(id);
      if (sync.lastSucceededAt !== null || !sync.lastError) problems.push(`${host}: ${JSON.stringify(sync)}`);
    }
    expect(problems).toEqual([]);
    expect(traps.connector.servers.flatMap((s) => s.requests).map((r) => `${r.method} ${r.path}`)).toEqual(
      [],
    );
  });

  it("no listener on this machine ever saw a connection", () => {
    expect(
      Object.fromEntries(Object.entries(traps).map(([kind, trap]) => [kind, trap.connections()])),
    ).toEqual({
      webhook: 0,
      token: 0,
      amqp: 0,
      connector: 0,
    });
  });

  it("baseUrl refuses userinfo, query and fragment (400 naming body/baseUrl)", async () => {
    for (const baseUrl of [
      "http://user:pw@connector.example",
      "http://connector.example/?a=1",
      "http://connector.example/#f",
    ]) {
      const answer = await hub.api("POST", "/v1/connectors", { name: "bad", baseUrl });
      expect(answer.status, baseUrl).toBe(400);
      expect(answer.json.error?.message, baseUrl).toContain("body/baseUrl");
    }
  });

  it("changing baseUrl needs the Connector's API key in the same request (400 naming body/apiKey)", async () => {
    const id = `${connectorId}-moved`;
    await registerConnector(hub.api, { id, name: "moved", baseUrl: "http://connector.example" });
    const withoutKey = await hub.api("PATCH", `/v1/connectors/${id}`, { baseUrl: "http://attacker.example" });
    expect(withoutKey.status).toBe(400);
    expect(withoutKey.json.error).toMatchObject({ code: "error.hub.validation" });
    expect(withoutKey.json.error.message).toContain("body/apiKey");
    const withKey = await hub.api("PATCH", `/v1/connectors/${id}`, {
      baseUrl: "http://connector2.example",
      apiKey: "the-connectors-key",
    });
    expect(withKey.status).toBe(200);
    expect(withKey.json.result.baseUrl).toBe("http://connector2.example");
  });
});
