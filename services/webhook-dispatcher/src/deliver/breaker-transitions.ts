import type { BreakerTransition } from "@event-hub/shared";
import type { Logger } from "pino";
import type { DispatchMetrics } from "../metrics.ts";
import { failureRateOf } from "./circuit-breaker.ts";

export type ReportBreakerTransition = (transition: BreakerTransition) => void;

const MESSAGES: Record<string, string> = {
  "closed>open": "circuit breaker opened: too many recent attempts failed",
  "half_open>open": "circuit breaker opened again: a probe failed",
  "open>half_open": "circuit breaker half-open: probes go",
  "half_open>closed": "circuit breaker closed: a probe succeeded",
};

/**
 * One log line and one count per transition. Each is reported by the one place that made it (the
 * failure's transaction, the claim that sent the first probes, the statement that recorded the
 * closing success), so a transition shared by every replica is still logged once. Opening is a
 * warning: the destination gets nothing until its cool-down ends.
 */
export function createBreakerReporter(logger: Logger, metrics?: DispatchMetrics): ReportBreakerTransition {
  return (transition) => {
    const { destinationId, from, to, window, openUntil, probes } = transition;
    metrics?.breakerTransition(from, to);
    const fields = {
      destinationId,
      from,
      to,
      ...(window
        ? {
            failureRate: Number(failureRateOf(window).toFixed(3)),
            successes: window.successes,
            failures: window.failures,
          }
        : {}),
      ...(openUntil ? { openUntil: openUntil.toISOString() } : {}),
      ...(probes === undefined ? {} : { probes }),
    };
    const message = MESSAGES[`${from}>${to}`] ?? "circuit breaker changed";
    if (to === "open") logger.warn(fields, message);
    else logger.info(fields, message);
  };
}
