/** Faults a test can switch on per Connector (sim-only, through startSimulation() or PUT /sim/faults). */
export type Faults = {
  /** `POST …/Account/Sync`: "error" answers 500, "hang" never answers (until the fault is cleared). */
  sync: "ok" | "error" | "hang";
  /** Delay before every sync answers, in milliseconds. */
  syncDelayMs: number;
  /** Webhook POSTs go to a closed local port instead of their target (and fail, unretried). */
  webhooksToDeadPort: boolean;
  /** The next this many `PUT …/Relationships/{id}/Accept` answer 500 and change nothing. */
  acceptFailures: number;
};

export function noFaults(): Faults {
  return { sync: "ok", syncDelayMs: 0, webhooksToDeadPort: false, acceptFailures: 0 };
}

/** Uses up one of the `acceptFailures`: true when this Accept must fail. */
export function takeAcceptFailure(faults: Faults): boolean {
  if (faults.acceptFailures <= 0) return false;
  faults.acceptFailures--;
  return true;
}
