import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { startEchoUpstream, type EchoUpstream } from "../../test/echo-upstream.ts";

describe("/v1/connectors/{id}/api/* (Core API proxy)", () => {
  let harness: TestHarness;
  let sim: Simulation;
  let upstream: EchoUpstream;
  const simId = uniqueName("sim");
  const echoId = uniqueName("echo");
  const deadId = uniqueName("dead");

  beforeAll(async () => {
    harness = await buildTestApp({ coreApiTimeoutMs: 300 });
    sim = await startSimulation({ connectors: 1, logLevel: "silent" });
    upstream = await startEchoUpstream();
    const connector = sim.connectors[0];
    for (const [id, baseUrl, apiKey] of [
      [simId, connector?.baseUrl, connector?.apiKey],
      [echoId, upstream.url, "echo-connector-key-000000000000"],
      [deadId, "http://127.0.0.1:9", "x".repeat(30)],
    ]) {
      const response = await harness.call({
        method: "POST",
        url: "/v1/connectors",
        payload: { id, name: id, baseUrl, apiKey },
      });
      expect(response.statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await harness.close();
    await sim.stop();
    await upstream.close();
  });

  it("forwards to a simulated Connector with its API key, answers its envelope", async () => {
    const key = await harness.keyWith("core:**");
    const response = await harness.call({ url: `/v1/connectors/${simId}/api/v2/Account/IdentityInfo`, key });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.address).toBe(sim.connectors[0]?.address);
    const bad = await harness.call({
      method: "POST",
      url: `/v1/connectors/${simId}/api/v2/Messages`,
      key,
      payload: {},
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toMatch(/^error\.runtime\./);
  });

  it("streams the body, swaps the gateway key for the Connector's and passes the correlation id", async () => {
    const key = await harness.keyWith("core:messages");
    const body = JSON.stringify({ content: "x".repeat(100_000) });
    const response = await harness.call({
      method: "POST",
      url: `/v1/connectors/${echoId}/api/v2/Messages?a=1&b=2`,
      key,
      headers: { "content-type": "application/json", "x-correlation-id": "corr-proxy" },
      payload: body,
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers["x-upstream"]).toBe("yes");
    const seen = upstream.seen.at(-1);
    expect(seen).toMatchObject({ method: "POST", url: "/api/v2/Messages?a=1&b=2", body });
    expect(seen?.headers["x-api-key"]).toBe("echo-connector-key-000000000000");
    expect(seen?.headers["x-correlation-id"]).toBe("corr-proxy");
    expect(JSON.stringify(seen?.headers)).not.toContain(key);
  });

  it.each(["PUT", "PATCH", "DELETE"] as const)(
    "forwards %s with its body and answers the upstream's",
    async (method) => {
      const key = await harness.keyWith("core:attributes");
      const body = method === "DELETE" ? "" : JSON.stringify({ method });
      const response = await harness.call({
        method,
        url: `/v1/connectors/${echoId}/api/v2/Attributes/ATT1`,
        key,
        headers: body ? { "content-type": "application/json" } : {},
        ...(body ? { payload: body } : {}),
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toEqual({ result: { ok: true } });
      expect(upstream.seen.at(-1)).toMatchObject({ method, url: "/api/v2/Attributes/ATT1", body });
      expect(upstream.seen.at(-1)?.headers["x-api-key"]).toBe("echo-connector-key-000000000000");
    },
  );

  it("needs the Connector's scope for the path", async () => {
    const key = await harness.keyWith("core:messages");
    expect((await harness.call({ url: `/v1/connectors/${echoId}/api/v2/Messages`, key })).statusCode).toBe(
      201,
    );
    const other = await harness.call({ url: `/v1/connectors/${echoId}/api/v2/Relationships`, key });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toContain("core:relationships");
    // The Requests controllers take either scope, as on the Connector.
    for (const scope of ["core:requests", "core:requests:incoming"]) {
      const requests = await harness.keyWith(scope);
      const url = `/v1/connectors/${echoId}/api/v2/Requests/Incoming`;
      expect((await harness.call({ url, key: requests })).statusCode).toBe(201);
    }
    const outgoing = await harness.call({
      url: `/v1/connectors/${echoId}/api/v2/Requests/Outgoing`,
      key: await harness.keyWith("core:requests:incoming"),
    });
    expect(outgoing.statusCode).toBe(403);
    expect(outgoing.json().error.message).toContain("core:requests or core:requests:outgoing");
    expect((await harness.call({ url: `/v1/connectors/${echoId}/api/v9/Messages` })).statusCode).toBe(404);
    expect((await harness.call({ url: `/v1/connectors/${echoId}/api/v9/Messages`, key })).statusCode).toBe(
      403,
    );
  });

  it("forwards the Connector's un-enveloped /health and /Monitoring/* under the monitoring scopes", async () => {
    const key = await harness.keyWith("monitoring:health", "monitoring:version");
    const health = await harness.call({ url: `/v1/connectors/${simId}/health`, key });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ isHealthy: true });
    const version = await harness.call({ url: `/v1/connectors/${simId}/Monitoring/Version`, key });
    expect(version.statusCode).toBe(200);
    expect(version.json()).toMatchObject({ version: expect.any(String) });

    const support = await harness.call({ url: `/v1/connectors/${echoId}/Monitoring/Support`, key });
    expect(support.statusCode).toBe(403);
    expect(support.json().error.message).toContain("monitoring:support");
    const all = await harness.keyWith("monitoring:*");
    const echoed = await harness.call({
      url: `/v1/connectors/${echoId}/Monitoring/Requests`,
      key: all,
      headers: { "x-correlation-id": "corr-monitoring" },
    });
    expect(echoed.statusCode).toBe(201); // the upstream's answer, unchanged
    expect(upstream.seen.at(-1)).toMatchObject({ method: "GET", url: "/Monitoring/Requests" });
    expect(upstream.seen.at(-1)?.headers["x-api-key"]).toBe("echo-connector-key-000000000000");
    expect(upstream.seen.at(-1)?.headers["x-correlation-id"]).toBe("corr-monitoring");

    const core = await harness.keyWith("core:**");
    expect((await harness.call({ url: `/v1/connectors/${simId}/health`, key: core })).statusCode).toBe(403);
    expect(
      (await harness.call({ url: `/v1/connectors/${simId}/Monitoring/Other`, key: all })).statusCode,
    ).toBe(400);
    expect((await harness.call({ url: "/v1/connectors/nobody/health", key: all })).statusCode).toBe(404);
    expect((await harness.call({ url: `/v1/connectors/${deadId}/health`, key: all })).statusCode).toBe(502);
  });

  it("answers 502 when the Connector is down, 504 when it is too slow, 404 for an unknown Connector", async () => {
    const down = await harness.call({ url: `/v1/connectors/${deadId}/api/v2/Messages` });
    expect(down.statusCode).toBe(502);
    expect(down.json().error.code).toBe("error.hub.connectorUnreachable");
    const slow = await harness.call({ url: `/v1/connectors/${echoId}/api/v2/Hang` });
    expect(slow.statusCode).toBe(504);
    expect(slow.json().error.code).toBe("error.hub.connectorTimeout");
    expect((await harness.call({ url: "/v1/connectors/nobody/api/v2/Messages" })).statusCode).toBe(404);
    expect((await harness.call({ url: "/v1/connectors/has space/api/v2/Messages" })).statusCode).toBe(400);
  });
});
