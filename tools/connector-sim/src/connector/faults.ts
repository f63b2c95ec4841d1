/** Faults a test can switch on per Connector (sim-only, through startSimulation() or PUT /sim/faults). */
export type Faults = {
  /** `POST …/Account/Sync`: "error" answers 500, "hang" never answers (until the fault is cleared). */
  sync: "ok" | "error" | "hang";
  /** Delay before every sync answers, in milliseconds. */
  syncDelayMs: number;
  /** Webhook POSTs go to a closed local port instead of their target (and fail, unretried). */
  webhooksToDeadPort: boolean;
};

export function noFaults(): Faults {
  return { sync: "ok", syncDelayMs: 0, webhooksToDeadPort: false };
}
