import type { RunningServices, StackEnv } from "./services.ts";

/**
 * The hook where `make up` starts simulated Connectors (tools/connector-sim): two Connectors that
 * talk to each other through a shared in-memory Backbone, registered with api-gateway so their
 * events flow through the hub. Not wired yet: connector-sim is being written; fill in this one
 * function (start the processes with `startChild`, register them through `services.urls.apiGateway`
 * with `env.ADMIN_API_KEY`) and up.ts prints and stops whatever it returns.
 */

export type ConnectorSimsContext = { env: StackEnv; services: RunningServices; logDir: string };

export type StartedConnectorSims = {
  /** Lines for the printed list, e.g. `{ label: "connector A", url: "http://127.0.0.1:8090" }`. */
  endpoints: Array<{ label: string; url: string }>;
  stop(): Promise<void>;
};

export async function startConnectorSims(_context: ConnectorSimsContext): Promise<StartedConnectorSims> {
  return { endpoints: [], stop: async () => undefined };
}
