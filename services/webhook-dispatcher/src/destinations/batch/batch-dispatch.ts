import { newId, parseDestinationConfig, signingSecretSealing, withTransaction } from "@event-hub/shared";
import type { Pool } from "pg";
import { decideAfterFailure, type BreakerPolicy } from "../../deliver/circuit-breaker.ts";
import { classify, type Verdict } from "../../deliver/classify.ts";
import type { DeliveryLoopDeps, DeliveryLoopOptions } from "../../deliver/delivery-context.ts";
import { reportDisabled } from "../../operator-events.ts";
import { sendBatch } from "./batch-request.ts";
import { nextAttemptAt } from "../../deliver/retry-policy.ts";
import { retryRecording } from "../../deliver/retry-recording.ts";
import type { SendResult } from "../../deliver/send-result.ts";
import {
  abortedByLease,
  LEASE_LOST_BEFORE_SEND,
  type DeliveryLease,
  type NotSent,
} from "../../deliver/lease-keeper.ts";
import { writeAttempts, type AttemptInput } from "../../store/attempts.ts";
import {
  lockDueBatchDestinations,
  markBatchStarted,
  parkUnbatchable,
  pickBatch,
} from "../../store/batches.ts";
import { leaseDeliveries, type ClaimedDelivery } from "../../store/deliveries.ts";
import {
  disableDestination,
  loadDestination,
  type DestinationTarget,
} from "../../deliver/destination-target.ts";
import { countDestinationFailure, markDestinationHealthy, openBreaker } from "../../store/health.ts";

/** Most deliveries in one batch POST; the rest go in the next interval's batch. */
const MAX_BATCH_SIZE = 1000;

export type ClaimedBatch = { destinationId: string; deliveries: ClaimedDelivery[] };

/**
 * Claims the batches whose interval has come, in one transaction, under the same lease model as
 * single deliveries: lock the destination (one replica at a time), park what a v1 batch cannot
 * carry, lease its due deliveries (a dead worker's batch is simply due again after the lease) and
 * start its interval. A batch destination with a live lease is skipped: one batch in flight at once.
 */
export async function claimBatches(
  db: Pool,
  owner: string,
  leaseSeconds: number,
  maxBatches: number,
): Promise<ClaimedBatch[]> {
  return withTransaction(db, async (client) => {
    const batches: ClaimedBatch[] = [];
    for (const destinationId of await lockDueBatchDestinations(client, maxBatches)) {
      await parkUnbatchable(client, destinationId);
      const ids = await pickBatch(client, destinationId, MAX_BATCH_SIZE);
      if (ids.length === 0) continue;
      await markBatchStarted(client, destinationId);
      batches.push({
        destinationId,
        deliveries: await leaseDeliveries(client, { ids, owner, leaseSeconds }),
      });
    }
    return batches;
  });
}

/** send → classify → record for one batch: every delivery in it gets the same outcome. */
export async function deliverBatch(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  batch: ClaimedBatch,
  lease: DeliveryLease,
): Promise<void> {
  const target = await loadDestination(deps.db, batch.destinationId);
  if (!target) return;
  const startedAt = new Date();
  const sent = await send(deps, batch.deliveries, target, lease);
  if (sent.kind === "not_sent") {
    deps.logger.warn({ destinationId: batch.destinationId, reason: sent.reason }, "batch not sent");
    return;
  }
  const result = abortedByLease(sent, lease);
  const now = new Date();
  const verdict = classify(result, now, { retryClientErrors: target.retryClientErrors });
  const written = await recordBatchAttempt(
    deps.db,
    { batch, target, startedAt, result, verdict },
    options.breaker,
    (error, attempt) =>
      deps.logger.warn(
        { err: error, destinationId: batch.destinationId, attempt },
        "recording a batch attempt failed; retrying",
      ),
  );
  const outcome = verdict.kind === "delivered" ? "success" : verdict.outcome;
  for (const delivery of batch.deliveries.filter((d) => written.attempted.has(d.id))) {
    const isFirst = delivery.attemptCount === 0;
    deps.metrics?.attempt(
      outcome,
      isFirst ? (startedAt.getTime() - delivery.occurredAt.getTime()) / 1000 : undefined,
    );
  }
  for (let i = 0; i < written.failed; i++) deps.metrics?.deliveryFailed();
  deps.logger[verdict.kind === "delivered" ? "debug" : "info"](
    {
      destinationId: batch.destinationId,
      deliveries: written.attempted.size,
      leaseLost: written.attempted.size - written.ids.size,
      outcome,
      durationMs: result.durationMs,
    },
    "batch attempt",
  );
  await reportDisabled(deps.operations, batch.destinationId, written.disabledReason, now);
}

async function send(
  deps: DeliveryLoopDeps,
  deliveries: ClaimedDelivery[],
  target: DestinationTarget,
  lease: DeliveryLease,
): Promise<SendResult | NotSent> {
  const parsed = parseDestinationConfig(target.type, target.config);
  if (!parsed.ok) return { kind: "failure", failure: "config", message: parsed.reason, durationMs: 0 };
  if (parsed.value.type !== "batch")
    return {
      kind: "failure",
      failure: "config",
      message: `destination is now ${parsed.value.type}`,
      durationMs: 0,
    };
  let secrets: string[];
  try {
    secrets = target.sealedSecrets.map((sealed) =>
      deps.secrets.open(sealed, signingSecretSealing(target.id)),
    );
  } catch (error) {
    const message = `a signing secret cannot be opened: ${(error as Error).message}`;
    return { kind: "failure", failure: "config", message, durationMs: 0 };
  }
  if (!lease.isHeld()) return LEASE_LOST_BEFORE_SEND;
  return sendBatch(deps.sender, deliveries, parsed.value.config, secrets, target.timeoutMs, lease.signal);
}

type BatchRecord = {
  batch: ClaimedBatch;
  target: DestinationTarget;
  startedAt: Date;
  result: SendResult;
  verdict: Verdict;
};

/**
 * One transaction: one attempt row per delivery of the batch (always: the POST carried them all),
 * every delivery whose lease still holds moves on by its own retry schedule (a failed batch keeps
 * them all), and the destination's health is counted once for the batch (one POST is one success or
 * failure for the breaker) if any lease held. `ids`: deliveries moved on; `attempted`: attempt rows.
 */
async function recordBatchAttempt(
  db: Pool,
  record: BatchRecord,
  policy: BreakerPolicy,
  onRetry: (error: unknown, attempt: number) => void,
): Promise<{ ids: Set<string>; attempted: Set<string>; failed: number; disabledReason?: string }> {
  const { batch, result, verdict } = record;
  const now = new Date();
  // One jitter draw for the whole batch: deliveries that failed together come due together again.
  const jitter = Math.random();
  const error = describe(result, verdict);
  const attempts = batch.deliveries.map((delivery): AttemptInput => {
    const next = scheduleBatchRetry(delivery, record.target, verdict, now, jitter);
    return {
      id: newId("att"),
      deliveryId: delivery.id,
      leaseToken: delivery.leaseToken,
      startedAt: record.startedAt,
      durationMs: result.durationMs,
      outcome: verdict.kind === "delivered" ? "success" : verdict.outcome,
      statusCode: result.kind === "response" ? result.status : null,
      responseHeaders: result.kind === "response" ? result.headers : null,
      responseBody: result.kind === "response" ? result.body : null,
      error,
      status: statusAfter(verdict, next),
      lastError: error,
      nextAttemptAt: next ?? null,
    };
  });
  const write = () =>
    withTransaction(db, async (client) => {
      const written = await writeAttempts(client, attempts, { endFailingStreak: false });
      const attempted = new Set(written.keys());
      const ids = new Set([...written].flatMap(([id, w]) => (w.isLeaseHeld ? [id] : [])));
      const failed = attempts.filter((a) => ids.has(a.deliveryId) && a.status === "failed").length;
      if (ids.size === 0) return { ids, attempted, failed };
      if (verdict.kind === "delivered") {
        await markDestinationHealthy(client, batch.destinationId);
        return { ids, attempted, failed };
      }
      const health = await countDestinationFailure(client, batch.destinationId);
      const decision =
        verdict.kind === "gone"
          ? { disableReason: "receiver answered 410 Gone" }
          : decideAfterFailure(health, now, policy);
      if (
        decision.disableReason &&
        (await disableDestination(client, batch.destinationId, decision.disableReason))
      )
        return { ids, attempted, failed, disabledReason: decision.disableReason };
      if (decision.breakerOpenUntil)
        await openBreaker(client, batch.destinationId, decision.breakerOpenUntil);
      return { ids, attempted, failed };
    });
  return retryRecording(write, onRetry);
}

function scheduleBatchRetry(
  delivery: ClaimedDelivery,
  target: DestinationTarget,
  verdict: Verdict,
  now: Date,
  jitter: number,
): Date | undefined {
  if (verdict.kind !== "retry") return undefined;
  return nextAttemptAt(delivery.attemptCount + 1 - delivery.scheduleOffset, now, {
    random: () => jitter,
    ...(target.retryScheduleSeconds ? { schedule: target.retryScheduleSeconds } : {}),
    ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs }),
  });
}

function statusAfter(verdict: Verdict, next: Date | undefined): AttemptInput["status"] {
  if (verdict.kind === "delivered") return "delivered";
  if (verdict.kind === "gone") return "parked";
  return verdict.kind === "retry" && next ? "pending" : "failed";
}

function describe(result: SendResult, verdict: Verdict): string | null {
  if (verdict.kind === "delivered") return null;
  if (result.kind === "failure") return `${result.failure}: ${result.message}`;
  return verdict.kind === "failed" ? verdict.reason : `HTTP ${result.status}`;
}
