import type { SecretBox } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { classify } from "./classify.ts";
import { prepareWebhookRequest } from "./prepare.ts";
import { parkDelivery, recordAttempt } from "./record.ts";
import { nextAttemptAt } from "./retry-policy.ts";
import type { Sender } from "./send.ts";
import { claimDueDeliveries, type ClaimedDelivery } from "./store/deliveries.ts";
import { loadWebhookTarget } from "./store/destinations.ts";

export type DeliveryLoopDeps = { db: Pool; logger: Logger; secrets: SecretBox; sender: Sender };

export type DeliveryLoopOptions = {
  owner: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseSeconds: number;
  defaultTimeoutMs: number;
};

export type DeliveryLoop = { wake(): void; stop(): Promise<void> };

/**
 * Claims due deliveries while there are free slots and runs each through the stages
 * prepare → send → classify → record. Idle, it sleeps until woken or the poll interval passes.
 */
export function startDeliveryLoop(deps: DeliveryLoopDeps, options: DeliveryLoopOptions): DeliveryLoop {
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let wakeUp: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (running) {
      const free = options.concurrency - inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (free > 0) {
        claimed = await claimDueDeliveries(deps.db, {
          owner: options.owner,
          limit: free,
          leaseSeconds: options.leaseSeconds,
        }).catch((error: unknown) => {
          deps.logger.error({ err: error }, "claiming due deliveries failed");
          return [];
        });
      }
      for (const delivery of claimed) {
        const task = deliver(deps, options, delivery)
          .catch((error: unknown) =>
            deps.logger.error({ err: error, deliveryId: delivery.id }, "delivery crashed"),
          )
          .finally(() => {
            inFlight.delete(task);
            wakeUp?.();
          });
        inFlight.add(task);
      }
      if (claimed.length === 0 || claimed.length < free) await sleep(options.pollIntervalMs);
    }
  })();

  return {
    wake: () => wakeUp?.(),
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      await Promise.allSettled(inFlight);
    },
  };
}

async function deliver(
  deps: DeliveryLoopDeps,
  options: DeliveryLoopOptions,
  delivery: ClaimedDelivery,
): Promise<void> {
  const target = await loadWebhookTarget(deps.db, delivery.destinationId);
  if (!target || !target.enabled || target.type !== "webhook") {
    await parkDelivery(
      deps.db,
      delivery,
      options.owner,
      target ? "destination disabled" : "destination deleted",
    );
    return;
  }
  const startedAt = new Date();
  const secrets = target.sealedSecrets.map((sealed) => deps.secrets.open(sealed));
  const request = prepareWebhookRequest(
    delivery,
    target.config,
    secrets,
    startedAt,
    options.defaultTimeoutMs,
  );
  const result = await deps.sender.send(request);
  const verdict = classify(result, new Date());
  const attemptsMade = delivery.attemptCount + 1;
  const next =
    verdict.kind === "retry"
      ? nextAttemptAt(
          attemptsMade,
          new Date(),
          verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs },
        )
      : undefined;
  await recordAttempt(deps.db, {
    delivery,
    owner: options.owner,
    startedAt,
    result,
    verdict,
    nextAttemptAt: next,
  });
  deps.logger.info(
    {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      destinationId: delivery.destinationId,
      attempt: attemptsMade,
      verdict: verdict.kind,
      durationMs: result.durationMs,
    },
    "delivery attempt",
  );
}
