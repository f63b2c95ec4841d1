import { readWindowCounts, type BreakerTransition, type OutcomeWindow } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { DispatchMetrics } from "../metrics.ts";
import { failureRateOf, type WindowCounts } from "./circuit-breaker.ts";

export type ReportBreakerTransition = (transition: BreakerTransition) => void;

export type BreakerReporterDeps = { db: Pool; logger: Logger; metrics?: DispatchMetrics };

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
 * warning: the destination gets nothing until its cool-down ends. Every line carries the window's
 * rate and counts: an opening brings those it decided on, the others read them (one query; a
 * breaker changes state a few times per cool-down at most, never per delivery).
 */
export function createBreakerReporter(
  deps: BreakerReporterDeps,
  window: OutcomeWindow,
): ReportBreakerTransition {
  return (transition) => {
    deps.metrics?.breakerTransition(transition.from, transition.to);
    if (transition.window) return log(deps.logger, transition, transition.window);
    readWindowCounts(deps.db, transition.destinationId, window).then(
      (counts) => log(deps.logger, transition, counts),
      () => log(deps.logger, transition, undefined), // the transition matters more than its counts
    );
  };
}

function log(logger: Logger, transition: BreakerTransition, window: WindowCounts | undefined): void {
  const { destinationId, from, to, openUntil, probes } = transition;
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
}
