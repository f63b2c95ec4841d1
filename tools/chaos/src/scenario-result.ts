import type { LossEvidence } from "./loss-evidence.ts";
import type { Reconciliation } from "./reconcile.ts";

/** One scenario's outcome, as the table prints it and the JSON results keep it. */
export type ScenarioResult = {
  name: string;
  title: string;
  /** Undefined when the scenario could not run to the end (then `error` says why). */
  reconciliation: Reconciliation | undefined;
  /** Whose loss each lost event was: the hub's unless shown to be the emulator's (loss-evidence.ts). */
  lossEvidence: LossEvidence | undefined;
  /** From the last ingest answer to the first receipt of the last accepted event not dropped by the emulator; undefined when the hub lost events. */
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

/**
 * The hub's loss, a manual step or an error fails the run. Events the emulator dropped do not (a
 * loss real Pub/Sub cannot have), but a lost event counts as the hub's unless proven otherwise.
 */
export function isScenarioPassed(result: ScenarioResult): boolean {
  const { reconciliation, lossEvidence } = result;
  if (!reconciliation || result.error) return false;
  const hubLost = lossEvidence?.hubLost ?? reconciliation.lost;
  const hubLostByDataId = lossEvidence?.hubLostByDataId ?? reconciliation.lostByDataId;
  return hubLost === 0 && hubLostByDataId === 0 && result.manualSteps === 0;
}

/** Accepted events the emulator dropped (0 without evidence). */
export function droppedByEmulator(result: ScenarioResult): number {
  return result.lossEvidence?.droppedByEmulator ?? 0;
}
