import type { Reconciliation } from "./reconcile.ts";

/** One scenario's outcome, as the table prints it and the JSON results keep it. */
export type ScenarioResult = {
  name: string;
  title: string;
  /** Undefined when the scenario could not run to the end (then `error` says why). */
  reconciliation: Reconciliation | undefined;
  /** From the last ingest answer to the first receipt of the last accepted event; undefined when not drained. */
  drainMs: number | undefined;
  /** API calls an operator needed beyond the scenario's one documented recovery step; must be 0. */
  manualSteps: number;
  /** Services the suite's supervisor restarted after they died (a scenario's own SIGKILL included). */
  serviceRestarts: number;
  /** What happened, for the JSON results: fault times, recover answers, the supervisor's lines. */
  notes: string[];
  error?: string;
  durationMs: number;
};

/** Loss, a manual step or an error fails the run. */
export function isScenarioPassed(result: ScenarioResult): boolean {
  const reconciliation = result.reconciliation;
  if (!reconciliation || result.error) return false;
  return reconciliation.lost === 0 && reconciliation.lostByDataId === 0 && result.manualSteps === 0;
}
