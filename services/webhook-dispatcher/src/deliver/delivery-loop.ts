import { newId } from "@event-hub/shared";
import type { Pool } from "pg";
import { claimBatches, deliverBatch, type ClaimedBatch } from "../destinations/batch/batch-dispatch.ts";
import { claimDeliveries } from "../claim.ts";
import type { BreakerPolicy } from "./circuit-breaker.ts";
import { classify, type Verdict } from "./classify.ts";
import type { DeliveryLoopDeps, DeliveryLoopOptions } from "./delivery-context.ts";
import { reportDisabled } from "../operator-events.ts";
import { createDeliveredRecorder, type RecordDelivered } from "./delivered-recorder.ts";
import { abortedByLease, createLeaseKeeper, type DeliveryLease } from "./lease-keeper.ts";
import { recordAttempt, releaseDelivery } from "./record.ts";
import { nextAttemptAt } from "./retry-policy.ts";
import { retryRecording } from "./retry-recording.ts";
import { sendToDestination } from "../destinations/send-to-destination.ts";
import { renewLeases, type ClaimedDelivery, type LeaseRef } from "../store/deliveries.ts";
import { loadDestination, type DestinationTarget } from "./destination-target.ts";

export type DeliveryLoop = { wake(): void; stop(): Promise<void> };

/**
 * Claims due deliveries while there are free slots and runs each through the stages
 * prepare → send → classify → record, under a lease the lease keeper renews until it is recorded.
 * Idle, it sleeps until woken (LISTEN/NOTIFY, a finished delivery) or the poll interval passes.
 */
export function startDeliveryLoop(deps: DeliveryLoopDeps, options: DeliveryLoopOptions): DeliveryLoop {
  const inFlight = new Set<Promise<void>>();
  const recordDelivered = createDeliveredRecorder(deps.db);
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
        wake();
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
      const claimed = free > 0 ? await claim(deps, options, free) : [];
      const targets = targetsOf(deps.db, claimed);
      for (const delivery of claimed) {
        const target = targets.get(delivery.destinationId);
        track(
          [delivery],
          claimedAtMs,
          (lease) => deliver(deps, delivery, target, { recordDelivered, lease, breaker: options.breaker }),
          { deliveryId: delivery.id },
        );
      }
      // Batch destinations (webhooks v1): a batch takes one slot; looked for once per poll interval.
      if (free > claimed.length && Date.now() - batchesCheckedAt >= options.pollIntervalMs) {
        batchesCheckedAt = Date.now();
        const batchesClaimedAtMs = performance.now();
        for (const batch of await claimDueBatches(deps, options, free - claimed.length))
          track(batch.deliveries, batchesClaimedAtMs, (lease) => deliverBatch(deps, options, batch, lease), {
            destinationId: batch.destinationId,
          });
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

type DeliverWith = { recordDelivered: RecordDelivered; lease: DeliveryLease; breaker: BreakerPolicy };

async function deliver(
  deps: DeliveryLoopDeps,
  delivery: ClaimedDelivery,
  loadingTarget: Promise<DestinationTarget | undefined> | undefined,
  { recordDelivered, lease, breaker }: DeliverWith,
): Promise<void> {
  const target = await loadingTarget;
  if (!target) return; // deleted: its deliveries went with it
  if (!target.enabled) return releaseDelivery(deps.db, delivery);
  const startedAt = new Date();
  const sent = await sendToDestination(deps, delivery, target, startedAt, lease);
  if (sent.kind === "not_sent") {
    deps.logger.warn({ deliveryId: delivery.id, reason: sent.reason }, "delivery not sent");
    return;
  }
  const result = abortedByLease(sent, lease);
  const now = new Date();
  const verdict = classify(result, now, { retryClientErrors: target.retryClientErrors });
  const next = scheduleNext(delivery, target, verdict, now);
  const record = { attemptId: newId("att"), delivery, startedAt, result, verdict, nextAttemptAt: next };
  const outcome = await retryRecording(
    () => recordAttempt(deps.db, record, breaker, recordDelivered),
    (error, attempt) =>
      deps.logger.warn(
        { err: error, deliveryId: delivery.id, attempt },
        "recording an attempt failed; retrying",
      ),
  );
  if (!outcome.recorded) return;
  const outcomeClass = verdict.kind === "delivered" ? "success" : verdict.outcome;
  const isFirst = delivery.attemptCount === 0;
  deps.metrics?.attempt(
    outcomeClass,
    isFirst ? (startedAt.getTime() - delivery.occurredAt.getTime()) / 1000 : undefined,
  );
  if (!outcome.isLeaseHeld) {
    // The POST left but another claim holds the delivery now: its attempt row is written, its state is not ours.
    deps.logger.warn(
      { deliveryId: delivery.id, outcome: outcomeClass, durationMs: result.durationMs },
      "delivery attempt recorded after the lease was taken over",
    );
    return;
  }
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
