import type { Scenario } from "./scenario.ts";
import { dispatcherKilledReceiverSlow } from "./scenarios/dispatcher-killed-receiver-slow.ts";
import { emulatorRestarted } from "./scenarios/emulator-restarted.ts";
import { postgresBackendsTerminated } from "./scenarios/postgres-backends-terminated.ts";
import { postgresRestarted } from "./scenarios/postgres-restarted.ts";
import { postgresStopped } from "./scenarios/postgres-stopped.ts";
import { rabbitMqRestarted } from "./scenarios/rabbitmq-restarted.ts";
import { receiverDown } from "./scenarios/receiver-down.ts";
import { receiverFlaky } from "./scenarios/receiver-flaky.ts";
import { receiverGone } from "./scenarios/receiver-gone.ts";
import { serviceKilled } from "./scenarios/service-killed.ts";
import { syncWorkerBeforeDispatcher } from "./scenarios/sync-worker-before-dispatcher.ts";

/** Every scenario, in the order of issue 13's table (plus a receiver that is down), each a file in scenarios/. */
export const SCENARIOS: readonly Scenario[] = [
  postgresBackendsTerminated,
  postgresRestarted,
  postgresStopped,
  emulatorRestarted,
  syncWorkerBeforeDispatcher,
  dispatcherKilledReceiverSlow,
  receiverGone,
  receiverFlaky,
  receiverDown,
  serviceKilled("sync-worker", { isQuick: true }),
  serviceKilled("webhook-dispatcher"),
  serviceKilled("api-gateway"),
  rabbitMqRestarted,
];

/** The scenarios named (all when none is); an unknown name is an error that lists the known ones. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((scenario) => scenario.name).join(", ")}`,
    );
  return SCENARIOS.filter((scenario) => names.includes(scenario.name));
}
