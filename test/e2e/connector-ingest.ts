import { expect } from "vitest";
import type { AdminApi } from "./admin-api.ts";

/** Where and how a registered Connector's webhooks module posts its events to the hub. */
export type IngestEndpoint = { url: string; authentication: { headerName: string; apiKey: string } };

/** Registers a Connector through api-gateway (expecting 201) and returns its ingest endpoint. */
export async function registerConnector(
  api: AdminApi,
  connector: { id: string; name: string; baseUrl: string },
): Promise<IngestEndpoint> {
  const registered = await api("POST", "/v1/connectors", connector);
  expect(registered.status).toBe(201);
  return registered.json.result.ingest as IngestEndpoint;
}

/** Posts an event as the Connector's webhooks module would (expecting 202); returns the event id. */
export async function postIngestEvent(
  ingest: IngestEndpoint,
  event: { trigger: string; data: unknown; correlationId?: string },
): Promise<string> {
  const answer = await tryPostIngestEvent(ingest, event);
  expect(answer).toBeTypeOf("string");
  return String(answer);
}

/** Posts an event as the Connector's webhooks module would; the event id when accepted, else the status. */
export async function tryPostIngestEvent(
  ingest: IngestEndpoint,
  event: { trigger: string; data: unknown; correlationId?: string },
): Promise<string | number> {
  const response = await fetch(ingest.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [ingest.authentication.headerName]: ingest.authentication.apiKey,
      ...(event.correlationId === undefined ? {} : { "x-correlation-id": event.correlationId }),
    },
    body: JSON.stringify({ trigger: event.trigger, data: event.data }),
  });
  if (response.status !== 202) return response.status;
  return ((await response.json()) as { result: { id: string } }).result.id;
}

/**
 * Registers a Connector and one webhook that takes its `transport.messageReceived` events to
 * `{receiverUrl}/hooks`: the set-up of every fault test that counts events at a receiver.
 */
export async function registerConnectorWithWebhook(
  api: AdminApi,
  connector: { id: string; name: string },
  receiverUrl: string,
): Promise<IngestEndpoint> {
  const ingest = await registerConnector(api, { ...connector, baseUrl: "http://127.0.0.1:9" });
  const created = await api("POST", "/v1/webhooks", {
    url: `${receiverUrl}/hooks`,
    triggers: ["transport.messageReceived"],
    connectorIds: [connector.id],
  });
  expect(created.status).toBe(201);
  return ingest;
}
