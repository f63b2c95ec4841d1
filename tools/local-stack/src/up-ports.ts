import type { ServicePorts } from "./services.ts";

/**
 * The fixed ports of `make up`, as offsets from one base port (8080 by default): api-gateway +0,
 * sync-worker +1, webhook-dispatcher +2, the Pub/Sub emulator +5, the simulated Connectors +10 and
 * +11. `MAKE_UP_BASE_PORT` moves them all, so a second stack (or the test of `make up`) runs beside
 * a developer's own.
 */

export type UpPorts = {
  services: ServicePorts;
  emulator: number;
  /** The first simulated Connector's port; the next ones follow. */
  connectorSims: number;
};

const BASE_PORT_VARIABLE = "MAKE_UP_BASE_PORT";
const DEFAULT_BASE_PORT = 8080;
const OFFSETS = {
  "api-gateway": 0,
  "sync-worker": 1,
  "webhook-dispatcher": 2,
  emulator: 5,
  connectorSims: 10,
};
/** Room above the base for every offset, including the second simulated Connector (+11). */
export const PORTS_ABOVE_BASE = 11;

/** The ports for this environment; throws one line when `MAKE_UP_BASE_PORT` is not a usable port. */
export function readUpPorts(env: NodeJS.ProcessEnv = process.env): UpPorts {
  const base = readBasePort(env[BASE_PORT_VARIABLE]);
  return {
    services: {
      "api-gateway": base + OFFSETS["api-gateway"],
      "sync-worker": base + OFFSETS["sync-worker"],
      "webhook-dispatcher": base + OFFSETS["webhook-dispatcher"],
    },
    emulator: base + OFFSETS.emulator,
    connectorSims: base + OFFSETS.connectorSims,
  };
}

function readBasePort(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_BASE_PORT;
  const base = Number(value);
  const highest = 65535 - PORTS_ABOVE_BASE;
  if (!/^\d+$/.test(value.trim()) || base < 1024 || base > highest)
    throw new Error(`${BASE_PORT_VARIABLE}=${value} is not a port between 1024 and ${highest}.`);
  return base;
}
