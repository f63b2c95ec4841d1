import { BENCH_TRIGGER } from "./bench-event.ts";

/**
 * api-gateway called as an operator would, with the bootstrap admin key: registering Connectors
 * (which hands out each one's ingest credential) and destinations, as `make chaos` does.
 */

export type HubApi = {
  registerConnector(id: string): Promise<IngestTarget>;
  createWebhook(input: { url: string; connectorIds: string[]; maxInFlight: number }): Promise<string>;
};

/** Where and how a Connector's webhooks module posts its events (the API's `ingest` answer). */
export type IngestTarget = { url: string; authentication: { headerName: string; apiKey: string } };

/** The Connectors' base URL: nothing listens there; the bench posts their events itself, no syncs. */
const CONNECTOR_BASE_URL = "http://127.0.0.1:9";

export function createHubApi(gatewayUrl: string, adminKey: string): HubApi {
  const post = async (path: string, body: unknown, what: string) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method: "POST",
      headers: { "x-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`${what}: api-gateway answered ${response.status}: ${text}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's answer, read by field
    return (JSON.parse(text) as { result: any }).result;
  };
  return {
    registerConnector: async (id) =>
      (await post("/v1/connectors", { id, name: id, baseUrl: CONNECTOR_BASE_URL }, `registering ${id}`))
        .ingest as IngestTarget,
    createWebhook: async ({ url, connectorIds, maxInFlight }) =>
      (
        await post(
          "/v1/webhooks",
          { url, connectorIds, triggers: [BENCH_TRIGGER], maxInFlight },
          `creating a webhook to ${url}`,
        )
      ).id as string,
  };
}
