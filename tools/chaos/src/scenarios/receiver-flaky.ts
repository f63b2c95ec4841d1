import type { Scenario } from "../scenario.ts";

/**
 * The receiver fails 30 % of requests (503) for the whole run: 70 % would succeed, so traffic must go
 * on and the failures be retried (issue 13: a streak breaker opened at once and kept re-opening).
 */
export const receiverFlaky: Scenario = {
  name: "receiver-flaky",
  title: "receiver fails 30 % of requests",
  initialFault: { kind: "flaky", failureRatio: 0.3 },
  inject: async () => undefined,
  drainTimeoutMs: 120_000,
};
