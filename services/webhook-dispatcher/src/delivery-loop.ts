import type { Pool } from "pg";
import { claimBatches, deliverBatch, type ClaimedBatch } from "./batch-dispatch.ts";
import { claimDeliveries } from "./claim.ts";
import { classify, type Verdict } from "./classify.ts";
import type { DeliveryLoopDeps, DeliveryLoopOptions } from "./delivery-context.ts";
import { reportDisabled } from "./operator-events.ts";
import { createDeliveredRecorder, type RecordDelivered } from "./delivered-recorder.ts";
import { recordAttempt, releaseDelivery } from "./record.ts";
import { nextAttemptAt } from "./retry-policy.ts";
import { sendToDestination } from "./send-to-destination.ts";
import type { ClaimedDelivery } from "./store/deliveries.ts";
import { loadDestination, type DestinationTarget } from "./store/destinations.ts";

export type DeliveryLoop = { wake(): void; stop(): Promise<void> };

/**
 * Claims due deliveries while there are free slots and runs each through the stages
 * prepare → send → classify → record. Idle, it sleeps until woken (LISTEN/NOTIFY, a finished
 * delivery) or the poll interval passes.
 */
export function startDeliveryLoop(deps: DeliveryLoopDeps, options: DeliveryLoopOptions): DeliveryLoop {
  const inFlight = new Set<Promise<void>>();
  const recordDelivered = createDeliveredRecorder(deps.db, options.owner);
  let running = true;
  let isWoken = false;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    isWoken = true;
    wakeUp?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (isWoken) return resolve();
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const track = (work: Promise<void>, context: Record<string, string>) => {
    const task = work
      .catch((error: unknown) => deps.logger.error({ err: error, ...context }, "delivery crashed"))
      .finally(() => {
        inFlight.delete(task);
        wake();
      });
    inFlight.add(task);
  };
  let batchesCheckedAt = 0;

  const loop = (async () => {
    while (running) {
      isWoken = false;
      const free = options.concurrency - inFlight.size;
      const claimed = free > 0 ? await claim(deps, options, free) : [];
      const targets = targetsOf(deps.db, claimed);
      for (const delivery of claimed)
        track(deliver(deps, options, delivery, targets.get(delivery.destinationId), recordDelivered), {
          deliveryId: delivery.id,
        });
      // Batch destinations (webhooks v1): a batch takes one slot; looked for once per poll interval.
      if (free > claimed.length && Date.now() - batchesCheckedAt >= options.pollIntervalMs) {
        batchesCheckedAt = Date.now();
        for (const batch of await claimDueBatches(deps, options, free - claimed.length))
          track(deliverBatch(deps, options, batch), { destinationId: batch.destinationId });
      }
      if (claimed.length < free || free === 0) await sleep(options.pollIntervalMs);
    }
  })();

  return {
    wake,
    async stop() {
      running = false;
      wake();
      await loop;
      await Promise.allSettled(inFlight);
    },
  };
}

async function claim(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  free: number,
): Promise<ClaimedDelivery[]> {
  try {
    const { deliveries, holds } = await claimDeliveries(deps.db, {
      owner: options.owner,
      free,
      leaseSeconds: options.leaseSeconds,
      breakerThreshold: options.breaker.failureThreshold,
    });
    for (const reason of holds) deps.metrics?.held(reason);
    return deliveries;
  } catch (error) {
    deps.logger.error({ err: error }, "claiming due deliveries failed");
    return [];
  }
}

async function claimDueBatches(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  free: number,
): Promise<ClaimedBatch[]> {
  try {
    return await claimBatches(deps.db, options.owner, options.leaseSeconds, free);
  } catch (error) {
    deps.logger.error({ err: error }, "claiming due batches failed");
    return [];
  }
}

/** Each claimed destination loaded once per claim (not once per delivery), read when the sends start. */
function targetsOf(
  db: Pool,
  claimed: ClaimedDelivery[],
): Map<string, Promise<DestinationTarget | undefined>> {
  const ids = new Set(claimed.map((delivery) => delivery.destinationId));
  return new Map([...ids].map((id) => [id, loadDestination(db, id)]));
}

async function deliver(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  delivery: ClaimedDelivery,
  loadingTarget: Promise<DestinationTarget | undefined> | undefined,
  recordDelivered: RecordDelivered,
): Promise<void> {
  const target = await loadingTarget;
  if (!target) return; // deleted: its deliveries went with it
  if (!target.enabled) return releaseDelivery(deps.db, delivery, options.owner);
  const startedAt = new Date();
  const result = await sendToDestination(deps, delivery, target, startedAt);
  const now = new Date();
  const verdict = classify(result, now, { retryClientErrors: target.retryClientErrors });
  const next = scheduleNext(delivery, target, verdict, now);
  const outcome = await recordAttempt(
    deps.db,
    { delivery, owner: options.owner, startedAt, result, verdict, nextAttemptAt: next },
    options.breaker,
    recordDelivered,
  );
  if (!outcome.recorded) return;
  const outcomeClass = verdict.kind === "delivered" ? "success" : verdict.outcome;
  const isFirst = delivery.attemptCount === 0;
  deps.metrics?.attempt(
    outcomeClass,
    isFirst ? (startedAt.getTime() - delivery.occurredAt.getTime()) / 1000 : undefined,
  );
  if (outcome.status === "failed") deps.metrics?.deliveryFailed();
  // Successes at debug: at full speed one line per delivery would cost more than the delivery.
  deps.logger[verdict.kind === "delivered" ? "debug" : "info"](
    {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      destinationId: delivery.destinationId,
      attempt: delivery.attemptCount + 1,
      outcome: outcomeClass,
      status: outcome.status,
      nextAttemptAt: next,
      breakerOpenUntil: outcome.breakerOpenUntil,
      durationMs: result.durationMs,
    },
    "delivery attempt",
  );
  await reportDisabled(deps.operations, delivery.destinationId, outcome.disabledReason, now);
}

/** Retry index = attempts since the schedule (re)started: a resend gets the whole schedule again. */
function scheduleNext(
  delivery: ClaimedDelivery,
  target: DestinationTarget,
  verdict: Verdict,
  now: Date,
): Date | undefined {
  if (verdict.kind !== "retry") return undefined;
  const attemptsInSchedule = delivery.attemptCount + 1 - delivery.scheduleOffset;
  return nextAttemptAt(attemptsInSchedule, now, {
    ...(target.retryScheduleSeconds ? { schedule: target.retryScheduleSeconds } : {}),
    ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs }),
  });
}
