import {
  claimBatches,
  claimDeliveries,
  releaseDelivery,
  renewLeases,
  type ClaimedDelivery,
  type DeliveryClaim,
  type LeaseRef,
} from "@event-hub/shared";
import type { Pool } from "pg";
import { BATCHED_TRIGGERS, MAX_BATCH_SIZE } from "../destinations/batch/batch-request.ts";
import { sendToDestination } from "../destinations/send-to-destination.ts";
import { reportDisabled } from "../operator-events.ts";
import { createBreakerReporter, type ReportBreakerTransition } from "./breaker-transitions.ts";
import { outcomeWindowOf, type BreakerPolicy } from "./circuit-breaker.ts";
import { classify, type Verdict } from "./classify.ts";
import { createDeliveredRecorder, type DeliveredRecorder } from "./delivered-recorder.ts";
import type { DeliveryLoopDeps, DeliveryLoopOptions } from "./delivery-context.ts";
import { loadDestination, type DestinationTarget } from "./destination-target.ts";
import { abortedByLease, createLeaseKeeper, type DeliveryLease } from "./lease-keeper.ts";
import { attemptInputs, recordAttempts, statusRecorded, type RecordOutcome } from "./record.ts";
import { nextAttemptAt } from "./retry-policy.ts";
import { retryRecording } from "./retry-recording.ts";
import type { SendResult } from "./send-result.ts";

export type DeliveryLoop = { wake(): void; stop(): Promise<void> };

/**
 * Claims due deliveries while there are free slots and runs each claim (one delivery, or a batch
 * destination's N) through the one pipeline send → classify → record, under a lease the lease keeper
 * renews until it is recorded.
 * Idle, it sleeps until woken (LISTEN/NOTIFY, a finished delivery) or the poll interval passes. A
 * finished delivery wakes it only when the last claim left something its finish can free (the
 * claim was not drained): otherwise each finish of an idle loop cost an empty claim (3 round trips).
 */
export function startDeliveryLoop(deps: DeliveryLoopDeps, options: DeliveryLoopOptions): DeliveryLoop {
  const inFlight = new Set<Promise<void>>();
  const reportBreaker = createBreakerReporter(deps, outcomeWindowOf(options.breaker));
  const delivered = createDeliveredRecorder(deps.db, {
    window: outcomeWindowOf(options.breaker),
    onBreakerClosed: reportBreaker,
  });
  const using = { delivered, breaker: options.breaker, reportBreaker };
  const leases = createLeaseKeeper({
    leaseSeconds: options.leaseSeconds,
    renew: (refs) => renewLeases(deps.db, refs, options.leaseSeconds),
    onRenewFailed: (error) =>
      deps.logger.warn(
        { err: error },
        "renewing delivery leases failed; work still in flight stops as its lease ends",
      ),
  });
  let running = true;
  let isWoken = false;
  let isDrained = false;
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

  /** Runs one unit of work under its lease, renewed until the work (recording included) ends. */
  const track = (
    refs: readonly LeaseRef[],
    claimedAtMs: number,
    work: (lease: DeliveryLease) => Promise<void>,
    context: Record<string, string>,
  ) => {
    const lease = leases.hold(refs, claimedAtMs);
    const task = work(lease)
      .catch((error: unknown) => deps.logger.error({ err: error, ...context }, "delivery crashed"))
      .finally(() => {
        lease.release();
        inFlight.delete(task);
        if (!isDrained) wake();
      });
    inFlight.add(task);
  };
  let batchesCheckedAt = 0;

  const loop = (async () => {
    while (running) {
      isWoken = false;
      const free = options.concurrency - inFlight.size;
      // Taken before the claim is sent: the lease's end in Postgres is at least this plus its length.
      const claimedAtMs = performance.now();
      const { deliveries: claimed, isDrained: drained } =
        free > 0 ? await claim(deps, options, free, reportBreaker) : { deliveries: [], isDrained: false };
      isDrained = drained;
      const targets = targetsOf(deps.db, claimed);
      for (const delivery of claimed) {
        const target = targets.get(delivery.destinationId);
        const single = { destinationId: delivery.destinationId, deliveries: [delivery] };
        track([delivery], claimedAtMs, (lease) => deliver(deps, single, target, { ...using, lease }), {
          deliveryId: delivery.id,
        });
      }
      // Batch destinations (webhooks v1): a batch takes one slot; looked for once per poll interval.
      if (free > claimed.length && Date.now() - batchesCheckedAt >= options.pollIntervalMs) {
        batchesCheckedAt = Date.now();
        const batchesClaimedAtMs = performance.now();
        for (const batch of await claimDueBatches(deps, options, free - claimed.length, reportBreaker)) {
          const target = loadDestination(deps.db, batch.destinationId);
          track(
            batch.deliveries,
            batchesClaimedAtMs,
            (lease) => deliver(deps, batch, target, { ...using, lease }),
            {
              destinationId: batch.destinationId,
            },
          );
        }
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
      leases.stop();
    },
  };
}

async function claim(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  free: number,
  reportBreaker: ReportBreakerTransition,
): Promise<{ deliveries: ClaimedDelivery[]; isDrained: boolean }> {
  try {
    const { deliveries, holds, transitions, isDrained } = await claimDeliveries(deps.db, {
      owner: options.owner,
      free,
      leaseSeconds: options.leaseSeconds,
    });
    for (const reason of holds) deps.metrics?.held(reason);
    for (const transition of transitions) reportBreaker(transition);
    return { deliveries, isDrained };
  } catch (error) {
    deps.logger.error({ err: error }, "claiming due deliveries failed");
    return { deliveries: [], isDrained: false };
  }
}

async function claimDueBatches(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  free: number,
  reportBreaker: ReportBreakerTransition,
): Promise<DeliveryClaim[]> {
  try {
    const { batches, transitions } = await claimBatches(deps.db, {
      owner: options.owner,
      leaseSeconds: options.leaseSeconds,
      maxBatches: free,
      maxBatchSize: MAX_BATCH_SIZE,
      batchedTriggers: BATCHED_TRIGGERS,
    });
    for (const transition of transitions) reportBreaker(transition);
    return batches;
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

type DeliverWith = {
  delivered: DeliveredRecorder;
  lease: DeliveryLease;
  breaker: BreakerPolicy;
  reportBreaker: ReportBreakerTransition;
};

/** The one pipeline, for a claim of one delivery or a batch of N: send → classify → record → report. */
async function deliver(
  deps: DeliveryLoopDeps,
  claim: DeliveryClaim,
  loadingTarget: Promise<DestinationTarget | undefined> | undefined,
  { delivered, lease, breaker, reportBreaker }: DeliverWith,
): Promise<void> {
  const target = await loadingTarget;
  if (!target) return; // deleted: its deliveries went with it
  if (!target.enabled) {
    for (const delivery of claim.deliveries) await releaseDelivery(deps.db, delivery);
    return;
  }
  const startedAt = new Date();
  const sent = await sendToDestination(deps, claim.deliveries, target, startedAt, lease);
  if (sent.kind === "not_sent") {
    deps.logger.warn({ ...named(claim), reason: sent.reason }, "delivery not sent");
    return;
  }
  const result = abortedByLease(sent, lease);
  const now = new Date();
  const verdict = classify(result, now, { retryClientErrors: target.retryClientErrors });
  // One jitter draw per claim: deliveries that failed together (a batch) come due together again.
  const jitter = Math.random();
  const attempts = attemptInputs({
    claim,
    startedAt,
    result,
    verdict,
    nextAttemptAt: (delivery) => scheduleNext(delivery, target, verdict, now, jitter),
  });
  const outcome = await retryRecording(
    () =>
      recordAttempts(deps.db, { destinationId: claim.destinationId, attempts, verdict }, breaker, delivered),
    (error, attempt) =>
      deps.logger.warn({ err: error, ...named(claim), attempt }, "recording an attempt failed; retrying"),
  );
  report(deps, { claim, startedAt, result, verdict }, attempts, outcome);
  if (outcome.breakerTransition) reportBreaker(outcome.breakerTransition);
  await reportDisabled(deps.operations, claim.destinationId, outcome.disabledReason, now);
}

/** A claim in logs: its delivery, or its destination and size when it is a batch. */
function named(claim: DeliveryClaim): Record<string, string | number> {
  const [only] = claim.deliveries;
  return claim.deliveries.length === 1 && only
    ? { deliveryId: only.id }
    : { destinationId: claim.destinationId, deliveries: claim.deliveries.length };
}

/** Metrics and the log line of a recorded claim. */
function report(
  deps: DeliveryLoopDeps,
  {
    claim,
    startedAt,
    result,
    verdict,
  }: { claim: DeliveryClaim; startedAt: Date; result: SendResult; verdict: Verdict },
  attempts: ReturnType<typeof attemptInputs>,
  outcome: RecordOutcome,
): void {
  if (outcome.written.size === 0) return; // gone with its destination, or written by an earlier try
  const outcomeClass = verdict.kind === "delivered" ? "success" : verdict.outcome;
  for (const delivery of claim.deliveries.filter((d) => outcome.written.has(d.id))) {
    const isFirst = delivery.attemptCount === 0;
    deps.metrics?.attempt(
      outcomeClass,
      isFirst ? (startedAt.getTime() - delivery.occurredAt.getTime()) / 1000 : undefined,
    );
  }
  const moved = attempts.filter((attempt) => outcome.moved.has(attempt.deliveryId));
  for (const attempt of moved)
    if (statusRecorded(attempt, outcome) === "failed") deps.metrics?.deliveryFailed();
  if (moved.length === 0) {
    // The request left but another claim holds the deliveries now: the attempt rows are written, their state is not ours.
    deps.logger.warn(
      { ...named(claim), outcome: outcomeClass, durationMs: result.durationMs },
      "delivery attempt recorded after the lease was taken over",
    );
    return;
  }
  const [only] = claim.deliveries;
  const [first] = moved;
  // Successes at debug: at full speed one line per delivery would cost more than the delivery.
  deps.logger[verdict.kind === "delivered" ? "debug" : "info"](
    {
      ...(claim.deliveries.length === 1 && only && first
        ? {
            deliveryId: only.id,
            eventId: only.eventId,
            attempt: only.attemptCount + 1,
            status: statusRecorded(first, outcome),
            nextAttemptAt: first.nextAttemptAt ?? undefined,
          }
        : { deliveries: claim.deliveries.length, leaseLost: claim.deliveries.length - moved.length }),
      destinationId: claim.destinationId,
      outcome: outcomeClass,
      breakerOpenUntil: outcome.breakerOpenUntil,
      durationMs: result.durationMs,
    },
    "delivery attempt",
  );
}

/**
 * Retry index = attempts since the schedule (re)started: a resend gets the whole schedule again.
 * `jitter` is the claim's one draw.
 */
function scheduleNext(
  delivery: ClaimedDelivery,
  target: DestinationTarget,
  verdict: Verdict,
  now: Date,
  jitter: number,
): Date | undefined {
  if (verdict.kind !== "retry") return undefined;
  const attemptsInSchedule = delivery.attemptCount + 1 - delivery.scheduleOffset;
  return nextAttemptAt(attemptsInSchedule, now, {
    random: () => jitter,
    ...(target.retryScheduleSeconds ? { schedule: target.retryScheduleSeconds } : {}),
    ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs }),
  });
}
