import { runConsent } from "./consent.ts";
import { runMessageExchange } from "./message-exchange.ts";
import { runOnboarding } from "./onboarding.ts";
import type { ScenarioClient } from "./scenario-client.ts";

export type Scenario = (a: ScenarioClient, b: ScenarioClient) => Promise<unknown>;

/** Named scenarios: each drives two Connectors (A = first, B = second) through their REST API. */
export const scenarios: Record<string, Scenario> = {
  consent: runConsent,
  onboarding: runOnboarding,
  "message-exchange": runMessageExchange,
};

export const scenarioNames = Object.keys(scenarios);
