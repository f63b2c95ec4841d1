import { Pool } from "undici";
import type { HubApi, IngestTarget } from "./hub-api.ts";
import { ingestBody } from "./bench-event.ts";
import type { OpenLoopRequest } from "./open-loop.ts";

/**
 * Connector-style load on the real ingest route: `count` Connectors registered through api-gateway,
 * each posting with its own ApiKey as a Connector's webhooks module does, taking turns by seq.
 */

/** Connections to sync-worker: enough that the pool itself never queues at the rates tried. */
const INGEST_CONNECTIONS = 128;

export type IngestLoad = { connectorIds: string[]; pool: Pool; request: OpenLoopRequest };

export async function prepareIngestLoad(
  api: HubApi,
  phase: string,
  connectors: number,
  isKeepingIds: boolean,
): Promise<IngestLoad> {
  const connectorIds = Array.from({ length: connectors }, (_, i) => `${phase}-${i}`);
  const targets: IngestTarget[] = [];
  for (const id of connectorIds) targets.push(await api.registerConnector(id));
  const first = new URL(targets[0]?.url ?? "");
  const paths = targets.map((target) => new URL(target.url).pathname);
  const headers = targets.map((target) => ({
    "content-type": "application/json",
    [target.authentication.headerName]: target.authentication.apiKey,
  }));
  const at = <T>(list: T[], seq: number): T => list[seq % list.length] as T;
  return {
    connectorIds,
    pool: new Pool(first.origin, { connections: INGEST_CONNECTIONS, pipelining: 1 }),
    request: {
      path: (seq) => at(paths, seq),
      headers: (seq) => at(headers, seq),
      body: ingestBody,
      isKeepingIds,
    },
  };
}
