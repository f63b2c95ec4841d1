import { join } from "node:path";
import { startChild } from "./child-process.ts";
import { REPO_ROOT, type RunningServices, type StackEnv } from "./services.ts";
import { waitForHttp } from "./wait-for-http.ts";

/**
 * `make up`'s simulated Connectors (tools/connector-sim): two Connectors that talk to each other
 * through a shared in-memory Backbone, registered with api-gateway, their webhooks module pointing
 * at sync-worker's ingest with the credential the hub issued.
 */

export type ConnectorSimsContext = {
  env: StackEnv;
  services: RunningServices;
  logDir: string;
  /** Connector i listens on basePort + i (default 8090; tests pass free ports). */
  basePort?: number;
};

export type StartedConnectorSims = {
  /** Lines for the printed list, e.g. `{ label: "connector A", url: "http://127.0.0.1:8090" }`. */
  endpoints: Array<{ label: string; url: string }>;
  stop(): Promise<void>;
};

const DEFAULT_BASE_PORT = 8090;
const SIMULATED = [
  { id: "sim-a", simName: "connector-1" },
  { id: "sim-b", simName: "connector-2" },
] as const;
/** sync-worker syncs the simulated Connectors (they have no sync module of their own) this often. */
const SIM_SYNC_INTERVAL_SECONDS = 5;

type IngestCredential = {
  url: string;
  authentication: { type: "ApiKey"; headerName: string; apiKey: string };
};

export async function startConnectorSims(context: ConnectorSimsContext): Promise<StartedConnectorSims> {
  const basePort = context.basePort ?? DEFAULT_BASE_PORT;
  const sim = await startChild({
    name: "connector-sim",
    command: process.execPath,
    args: [
      join("tools", "connector-sim", "src", "main.ts"),
      ["--connectors", String(SIMULATED.length)],
      ["--base-port", String(basePort)],
    ].flat(),
    cwd: REPO_ROOT,
    output: { kind: "file", path: join(context.logDir, "connector-sim.log") },
  });
  const endpoints: StartedConnectorSims["endpoints"] = [];
  for (const [index, connector] of SIMULATED.entries()) {
    const baseUrl = `http://127.0.0.1:${basePort + index}`;
    const apiKey = `sim-${connector.simName}-API_KEY_0000000000`;
    const ready = await waitForHttp({
      url: `${baseUrl}/health`,
      isReady: (status) => status === 200,
      timeoutMs: 20_000,
      child: sim,
    });
    if (!ready.isReady) throw new Error(`connector-sim did not start:\n${sim.outputTail()}`);
    const ingest = await registerInHub(context, connector.id, baseUrl, apiKey);
    await pointWebhooksAt(baseUrl, apiKey, ingest);
    endpoints.push({ label: `Connector ${connector.id}`, url: `${baseUrl}/api/v2  X-API-KEY: ${apiKey}` });
  }
  return { endpoints, stop: async () => void (await sim.stop()) };
}

/** Registers the Connector, or (already registered by an earlier run) issues it a new ingest credential. */
async function registerInHub(
  context: ConnectorSimsContext,
  id: string,
  baseUrl: string,
  apiKey: string,
): Promise<IngestCredential> {
  const gateway = context.services.urls.apiGateway;
  const headers = { "content-type": "application/json", "x-api-key": context.env.ADMIN_API_KEY };
  const settings = { baseUrl, apiPrefix: "/api/v2", apiKey, syncIntervalSeconds: SIM_SYNC_INTERVAL_SECONDS };
  const created = await fetch(`${gateway}/v1/connectors`, {
    method: "POST",
    headers,
    body: JSON.stringify({ id, name: `Simulated Connector ${id}`, ...settings }),
  });
  if (created.status === 201)
    return ((await created.json()) as { result: { ingest: IngestCredential } }).result.ingest;
  if (created.status !== 409)
    throw new Error(`registering ${id} failed: ${created.status} ${await created.text()}`);
  // Registered by an earlier run: bring its settings up to date (ports may differ) and issue a
  // new ingest credential, since the old one was shown only once.
  const updated = await fetch(`${gateway}/v1/connectors/${id}`, {
    method: "PATCH",
    headers,
    body: JSON.stringify(settings),
  });
  if (updated.status !== 200)
    throw new Error(`updating ${id} failed: ${updated.status} ${await updated.text()}`);
  const rotated = await fetch(`${gateway}/v1/connectors/${id}/ingest-credential`, {
    method: "POST",
    headers: { "x-api-key": context.env.ADMIN_API_KEY },
  });
  if (rotated.status !== 201)
    throw new Error(`new ingest credential for ${id}: ${rotated.status} ${await rotated.text()}`);
  return ((await rotated.json()) as { result: IngestCredential }).result;
}

/** The Connector's own webhooks module config: every event (`**`) to the hub's ingest URL. */
async function pointWebhooksAt(baseUrl: string, apiKey: string, ingest: IngestCredential): Promise<void> {
  const response = await fetch(`${baseUrl}/sim/webhooks`, {
    method: "PUT",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({
      webhooks: [{ triggers: ["**"], target: { url: ingest.url, authentication: ingest.authentication } }],
    }),
  });
  if (!response.ok) throw new Error(`configuring the webhooks of ${baseUrl} failed: ${response.status}`);
}
