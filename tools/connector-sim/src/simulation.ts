import { createServer } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildConnectorApp } from "./app.ts";
import { Backbone } from "./backbone.ts";
import { SimConnector } from "./connector/connector.ts";
import type { DtoDialect } from "./connector/dto.ts";
import { noFaults, type Faults } from "./connector/faults.ts";
import { InFlightGauge, type InFlightCounts } from "./connector/in-flight-gauge.ts";
import { startRequestModule } from "./connector/request-module.ts";
import { releaseHangingSyncs, syncEverything } from "./connector/sync.ts";
import { SimError } from "./errors.ts";
import type { SimEvent } from "./event-bus.ts";
import { startLoad, type LoadOptions } from "./load.ts";
import { createLogger, type Logger, type LogLevel } from "./logger.ts";
import type { AdminControl } from "./routes/admin.ts";
import { createScenarioClient } from "./scenarios/scenario-client.ts";
import { ScenarioPreconditionError } from "./scenarios/scenario-precondition.ts";
import { scenarioNames, scenarios } from "./scenarios/index.ts";
import type { WebhooksConfig } from "./webhooks/config.ts";
import { WebhooksModule, type DeliveryRecord } from "./webhooks/webhooks-module.ts";

export type SimulationOptions = {
  /** How many Connectors (default 2). */
  connectors?: number;
  /** Connector i (from 0) listens on basePort + i; without it each gets a free port. */
  basePort?: number;
  host?: string;
  /** Initial webhooks module config, the same for all or per Connector (index, name). */
  webhooks?: WebhooksConfig | ((index: number, name: string) => WebhooksConfig);
  /** API keys per Connector; default `sim-<name>-API_KEY_0000000000`. */
  apiKeys?: string[];
  /** Shape of event data (default "v6", what connector-sdk 6.x's schemas describe). */
  eventDialect?: DtoDialect;
  /** Like the Connector's sync module: sync every n seconds, each run with a new correlation id. */
  syncIntervalSeconds?: number;
  logLevel?: LogLevel;
  logger?: Logger;
};

/** One running simulated Connector, for tests and for whoever embeds the sim. */
export type SimulatedConnector = {
  name: string;
  baseUrl: string;
  apiKey: string;
  address: string;
  connector: SimConnector;
  setWebhooks(config: WebhooksConfig): void;
  getWebhooks(): WebhooksConfig;
  webhookDeliveries(): DeliveryRecord[];
  setFaults(faults: Partial<Faults>): Faults;
  clearFaults(): void;
  events(afterSeq?: number): SimEvent[];
  /** Its `POST …/Account/Sync` requests open now and the most at once. */
  syncRequests(): InFlightCounts;
  /** Syncs as `POST …/Account/Sync` would (faults apply). */
  sync(): Promise<void>;
  startLoad(options: LoadOptions): void;
  stopLoad(): void;
};

export type ScenarioOptions = {
  /** Index of Connector A (default 0) and B (default 1). */
  a?: number;
  b?: number;
  /** API the scenario speaks: "/api/v2" (default, Connector 3–6) or "/api/core/v1" (Connector 7). */
  apiPrefix?: string;
};

export type Simulation = {
  backbone: Backbone;
  connectors: SimulatedConnector[];
  /** Runs a named scenario with Connector `a` as A and `b` as B. */
  runScenario(name: string, options?: ScenarioOptions): Promise<unknown>;
  /** `POST …/Account/Sync` requests open now over all Connectors, and the most at once. */
  syncRequests(): InFlightCounts;
  stop(): Promise<void>;
};

/** Starts a Backbone and `connectors` simulated Connectors listening on loopback ports. */
export async function startSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  const logger = options.logger ?? createLogger(options.logLevel ?? "info");
  const backbone = new Backbone();
  const deadOrigin = `http://127.0.0.1:${await findClosedPort()}`;
  const count = options.connectors ?? 2;
  const stoppers: (() => Promise<void>)[] = [];
  const handles: SimulatedConnector[] = [];
  const allSyncRequests = new InFlightGauge();
  const simulation: Simulation = {
    backbone,
    connectors: handles,
    runScenario: (name, scenarioOptions) => runScenario(handles, name, scenarioOptions),
    syncRequests: () => allSyncRequests.counts(),
    stop: async () => {
      for (const stop of stoppers.reverse()) await stop();
    },
  };
  try {
    for (let index = 0; index < count; index++) {
      const started = await startConnector({
        index,
        options,
        backbone,
        logger,
        deadOrigin,
        simulation,
        allSyncRequests,
      });
      handles.push(started.handle);
      stoppers.push(started.stop);
    }
  } catch (error) {
    await simulation.stop();
    throw error;
  }
  return simulation;
}

type StartContext = {
  index: number;
  options: SimulationOptions;
  backbone: Backbone;
  logger: Logger;
  deadOrigin: string;
  simulation: Simulation;
  allSyncRequests: InFlightGauge;
};

async function startConnector(
  context: StartContext,
): Promise<{ handle: SimulatedConnector; stop: () => Promise<void> }> {
  const { index, options } = context;
  const name = `connector-${index + 1}`;
  const logger = context.logger.child(name);
  const apiKey = options.apiKeys?.[index] ?? `sim-${name}-API_KEY_0000000000`;
  const connector = new SimConnector({
    name,
    apiKey,
    backbone: context.backbone,
    logger,
    eventDialect: options.eventDialect ?? "v6",
    allSyncRequests: context.allSyncRequests,
  });
  const webhooks = new WebhooksModule({
    bus: connector.bus,
    logger: logger.child("webhooks"),
    redirectOrigin: () => (connector.faults.webhooksToDeadPort ? context.deadOrigin : undefined),
  });
  const initialWebhooks =
    typeof options.webhooks === "function" ? options.webhooks(index, name) : options.webhooks;
  if (initialWebhooks) webhooks.configure(initialWebhooks);
  const stopRequestModule = startRequestModule(connector);
  let stopLoadFn: (() => void) | undefined;

  const control: AdminControl = {
    connector,
    webhooks,
    setWebhooks: (config) => webhooks.configure(config),
    setFaults: (faults) => {
      connector.faults = { ...connector.faults, ...faults };
      if (connector.faults.sync !== "hang") releaseHangingSyncs(connector);
      return connector.faults;
    },
    startLoad: (load) => {
      stopLoadFn?.();
      stopLoadFn = startLoad(connector, load);
    },
    stopLoad: () => {
      stopLoadFn?.();
      stopLoadFn = undefined;
    },
    runScenario: (scenario) => {
      const peer = (index + 1) % context.simulation.connectors.length;
      return context.simulation.runScenario(scenario, { a: index, b: peer });
    },
  };
  const app = await buildConnectorApp(control);
  const port = options.basePort === undefined ? 0 : options.basePort + index;
  const host = options.host ?? "127.0.0.1";
  await app.listen({ port, host });
  const syncTimer = startSyncModule(connector, options.syncIntervalSeconds);
  const handle = toHandle(connector, control, webhooks, baseUrlOf(app, host));
  logger.info(`listening on ${handle.baseUrl} as ${connector.address}`);
  const stop = async () => {
    syncTimer?.stop();
    control.stopLoad();
    releaseHangingSyncs(connector);
    stopRequestModule();
    await webhooks.stop();
    await app.close();
  };
  return { handle, stop };
}

function toHandle(
  connector: SimConnector,
  control: AdminControl,
  webhooks: WebhooksModule,
  baseUrl: string,
): SimulatedConnector {
  return {
    name: connector.name,
    baseUrl,
    apiKey: connector.apiKey,
    address: connector.address,
    connector,
    setWebhooks: control.setWebhooks,
    getWebhooks: () => webhooks.currentConfig(),
    webhookDeliveries: () => webhooks.recentDeliveries(),
    setFaults: control.setFaults,
    clearFaults: () => control.setFaults(noFaults()),
    events: (afterSeq) => connector.bus.events(afterSeq),
    syncRequests: () => connector.syncRequests.counts(),
    sync: () => connector.withCorrelationId(undefined, () => syncEverything(connector)),
    startLoad: control.startLoad,
    stopLoad: control.stopLoad,
  };
}

/** The Connector's sync module: one run, then the next `interval` after each run ends. */
function startSyncModule(
  connector: SimConnector,
  intervalSeconds: number | undefined,
): { stop(): void } | undefined {
  if (!intervalSeconds) return undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    try {
      await connector.withCorrelationId(undefined, () => syncEverything(connector));
    } catch (error) {
      connector.logger.error("Sync failed", error);
    }
    if (!stopped) timer = setTimeout(run, intervalSeconds * 1000);
  };
  timer = setTimeout(run, 0);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function runScenario(
  handles: SimulatedConnector[],
  name: string,
  { a = 0, b = 1, apiPrefix }: ScenarioOptions = {},
): Promise<unknown> {
  const scenario = scenarios[name];
  if (!scenario) {
    throw new SimError(
      "error.sim.unknownScenario",
      `unknown scenario '${name}'; known: ${scenarioNames.join(", ")}`,
      404,
    );
  }
  const first = handles[a];
  const second = handles[b];
  if (!first || !second || a === b) {
    throw new SimError(
      "error.sim.scenarioNeedsTwoConnectors",
      "a scenario needs two distinct Connectors",
      400,
    );
  }
  const clientA = await createScenarioClient(first.baseUrl, first.apiKey, apiPrefix);
  const clientB = await createScenarioClient(second.baseUrl, second.apiKey, apiPrefix);
  try {
    return await scenario(clientA, clientB);
  } catch (error) {
    throw scenarioError(name, error);
  }
}

/** A scenario's failure as the admin endpoint answers it: what went wrong, not a bare 500. */
function scenarioError(name: string, error: unknown): SimError {
  const message = `scenario '${name}': ${error instanceof Error ? error.message : String(error)}`;
  return error instanceof ScenarioPreconditionError
    ? new SimError("error.sim.scenarioPrecondition", message, 409)
    : new SimError("error.sim.scenarioFailed", message, 500);
}

function baseUrlOf(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return `http://${host}:${port}`;
}

/** A loopback port nothing listens on (bound, then released), for the dead-port fault. */
async function findClosedPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
