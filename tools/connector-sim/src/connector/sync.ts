import { SimError } from "../errors.ts";
import type { SimConnector } from "./connector.ts";
import { receiveMessage } from "./messages.ts";
import { applyRelationshipChange } from "./relationships.ts";

const runningSyncs = new WeakMap<SimConnector, Promise<void>>();
const hangReleases = new WeakMap<SimConnector, Set<() => void>>();

/**
 * `syncEverything()`: takes the identity's external events from the Backbone and processes them in
 * order, raising their events in the caller's correlation context. Concurrent calls share the run
 * in progress (as SyncEverythingUseCase does). Faults apply before anything is taken.
 */
export async function syncEverything(connector: SimConnector): Promise<void> {
  const running = runningSyncs.get(connector);
  if (running) return await running;
  const run = runSync(connector).finally(() => runningSyncs.delete(connector));
  runningSyncs.set(connector, run);
  return await run;
}

/** Lets every sync hanging on the "hang" fault fail now (fault cleared or Connector stopped). */
export function releaseHangingSyncs(connector: SimConnector): void {
  for (const release of hangReleases.get(connector) ?? []) release();
  hangReleases.delete(connector);
}

async function runSync(connector: SimConnector): Promise<void> {
  await applyFaults(connector);
  for (const event of connector.backbone.takeExternalEvents(connector.address)) {
    try {
      if (event.type === "MessageReceived") receiveMessage(connector, event.payload.id);
      else applyRelationshipChange(connector, event.payload.relationshipId);
    } catch (error) {
      connector.logger.error(`Processing external event ${event.id} (${event.type}) failed`, error);
    }
  }
  connector.lastSyncCompletedAt = new Date().toISOString();
}

async function applyFaults(connector: SimConnector): Promise<void> {
  const { syncDelayMs, sync } = connector.faults;
  if (syncDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, syncDelayMs));
  if (sync === "hang") await hangUntilReleased(connector);
  if (connector.faults.sync !== "ok") {
    throw new SimError(
      "error.platform.unexpected",
      "The Backbone answered the sync with an unexpected error (simulated fault).",
      500,
    );
  }
}

function hangUntilReleased(connector: SimConnector): Promise<void> {
  return new Promise((resolve) => {
    const releases = hangReleases.get(connector) ?? new Set();
    releases.add(resolve);
    hangReleases.set(connector, releases);
  });
}
