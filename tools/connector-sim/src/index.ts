// Public surface of the connector-sim, for tests and for tools that embed it (local-stack).
export { startSimulation } from "./simulation.ts";
export type { ScenarioOptions, Simulation, SimulatedConnector, SimulationOptions } from "./simulation.ts";
export type { WebhooksConfig } from "./webhooks/config.ts";
export type { DeliveryRecord } from "./webhooks/webhooks-module.ts";
export type { Faults } from "./connector/faults.ts";
export type { InFlightCounts } from "./connector/in-flight-gauge.ts";
export type { SimEvent } from "./event-bus.ts";
export type { LoadOptions } from "./load.ts";
export { loadNamespaces } from "./load.ts";
export { scenarioNames } from "./scenarios/index.ts";
export { createScenarioClient } from "./scenarios/scenario-client.ts";
export type { ScenarioClient } from "./scenarios/scenario-client.ts";
