import { startConnectorSims, type StartedConnectorSims } from "@event-hub/local-stack/connector-sims";
import { isPortFree } from "@event-hub/local-stack/free-port";
import type { TestHub } from "./hub.ts";

/** `make up`'s two simulated Connectors (sim-a, sim-b), wired to the test's hub on free ports. */
export async function startTestConnectorSims(hub: TestHub): Promise<StartedConnectorSims> {
  return await startConnectorSims({
    env: hub.env,
    services: hub.services,
    logDir: ".local/logs/test",
    basePort: await twoFreePorts(),
  });
}

/** A base port p with p and p + 1 free, for the two simulated Connectors. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isPortFree(base)) && (await isPortFree(base + 1))) return base;
  }
}
