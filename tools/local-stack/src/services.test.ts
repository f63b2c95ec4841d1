import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePorts } from "./free-port.ts";
import { SERVICE_NODE_FLAGS } from "./service-node-flags.ts";
import { SERVICE_NAMES, startServices, type StackEnv } from "./services.ts";
import { canConnect } from "./tcp-probe.ts";

// Stand-ins for the three services: each answers /health and echoes the variables it was given.
const standIn = `
import { createServer } from "node:http";
if (process.env.CRASH === process.env.SERVICE_NAME) { console.error("boom: cannot start"); process.exit(1); }
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => /^[A-Z_]+$/.test(key)));
env.EXEC_ARGV = process.execArgv.join(" ");
createServer((request, response) => {
  response.writeHead(request.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  response.end(JSON.stringify(env));
}).listen(Number(process.env.PORT), process.env.HOST);
`;
const rootDir = mkdtempSync(join(tmpdir(), "local-stack-services-"));
for (const name of SERVICE_NAMES) {
  mkdirSync(join(rootDir, "services", name, "src"), { recursive: true });
  writeFileSync(
    join(rootDir, "services", name, "src", "main.ts"),
    standIn.replace("process.env.SERVICE_NAME", JSON.stringify(name)),
  );
}
const env: StackEnv = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/x",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:8085",
  PUBSUB_PROJECT_ID: "p",
  SECRETS_KEY: Buffer.alloc(32).toString("base64"),
  ADMIN_API_KEY: "a".repeat(40),
};

describe("startServices", () => {
  const running = startServices({ env, ports: "free", rootDir, quiet: true });
  afterAll(async () => (await running).stop());

  it("starts the three services on their ports with the common and their own variables", async () => {
    const { urls, ports } = await running;
    const seen = async (url: string): Promise<Record<string, string>> =>
      (await (await fetch(`${url}/x`)).json()) as Record<string, string>;
    const [gateway, worker, dispatcher] = await Promise.all([
      seen(urls.apiGateway),
      seen(urls.syncWorker),
      seen(urls.webhookDispatcher),
    ]);
    expect(gateway).toMatchObject({
      ...env,
      PORT: String(ports["api-gateway"]),
      METADATA_SERVER_DETECTION: "none",
      INGEST_BASE_URL: urls.syncWorker,
      SSRF_ALLOW: "127.0.0.0/8,::1",
    });
    expect(dispatcher).toMatchObject({
      PORT: String(ports["webhook-dispatcher"]),
      SSRF_ALLOW: "127.0.0.0/8,::1",
    });
    expect(worker.PORT).toBe(String(ports["sync-worker"]));
    expect(worker.SSRF_ALLOW).toBe("127.0.0.0/8,::1");
    expect(worker.ADMIN_API_KEY).toBe(env.ADMIN_API_KEY);
    // As their images start them (deploy/Dockerfile's CMD): the heap flags of service-node-flags.ts.
    for (const seen of [gateway, worker, dispatcher])
      expect(seen.EXEC_ARGV).toBe(SERVICE_NODE_FLAGS.join(" "));
  });

  it("kills one service and restarts it", async () => {
    const services = await running;
    const before = services.children()["sync-worker"];
    services.kill("sync-worker", "SIGKILL");
    expect(await before.exited).toEqual({ code: null, signal: "SIGKILL" });
    await services.restart("sync-worker");
    expect((await fetch(`${services.urls.syncWorker}/health`)).status).toBe(200);
  });

  it("fails with the name and the last output of a service that cannot start, and leaves none running", async () => {
    const [a = 0, b = 0, c = 0] = await findFreePorts(3);
    const ports = { "api-gateway": a, "sync-worker": b, "webhook-dispatcher": c };
    const attempt = startServices({
      env,
      ports,
      rootDir,
      quiet: true,
      extraEnv: { CRASH: "webhook-dispatcher" },
    });
    await expect(attempt).rejects.toThrow(
      /webhook-dispatcher did not become healthy .* exited with code 1\. Its last output:\nboom: cannot start/,
    );
    expect(await Promise.all([a, b, c].map((port) => canConnect("127.0.0.1", port)))).toEqual([
      false,
      false,
      false,
    ]);
  });
});
