import { createPeriodicTask, probeSubscription, probeTopic, type ReadinessCheck } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { Logger } from "pino";
import type { Gauge } from "prom-client";

export type PublishGuardOptions = {
  pubsub: PubSub;
  eventsTopic: string;
  /** Subscriptions that must exist before an event is published (the dispatcher's, automations'). */
  requiredSubscriptions: string[];
  /** Creates what is missing (PUBSUB_PROVISION); absent: hold until an operator creates it. */
  provision?: (() => Promise<void>) | undefined;
  /** How often the subscriptions are checked while publishing is allowed. */
  checkIntervalMs: number;
  /** How often they are checked while publishing is held. */
  heldRecheckMs?: number;
  callTimeoutMs?: number;
  logger: Logger;
  /** 1 while publishing is held. */
  heldGauge: Gauge;
};

/**
 * "Never publish into the void": Pub/Sub accepts a publish to a topic without subscriptions and
 * drops it. After an emulator restart (or a deleted subscription) sync-worker relayed 705 events so.
 * Publishing is therefore held — ingest and broker events go to the outbox, the relay waits — until
 * the topic and every required subscription are seen to exist: at start, after any publish error,
 * and every `checkIntervalMs`. With provisioning on, what is missing is created (the whole layout).
 */
export type PublishGuard = {
  /** Why publishing is held, or undefined when it may publish. */
  holdReason(): string | undefined;
  /** A publish failed: hold, and check again now. */
  reportPublishError(error: unknown): void;
  /** One check now (at start, before the relay's first pass). */
  check(): Promise<void>;
  readiness: ReadinessCheck;
  start(): void;
  stop(): Promise<void>;
};

export function createPublishGuard(options: PublishGuardOptions): PublishGuard {
  const { logger } = options;
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  let heldBecause: string | undefined;
  let lastCheckAt = 0;

  const hold = (reason: string) => {
    if (heldBecause !== reason)
      logger.warn({ reason }, "publishing to the events topic held; events wait in the outbox");
    heldBecause = reason;
    options.heldGauge.set(1);
  };
  const release = () => {
    if (heldBecause !== undefined) logger.info("required subscriptions exist; publishing resumes");
    heldBecause = undefined;
    options.heldGauge.set(0);
  };

  const findMissing = async (): Promise<{ missing: string[]; isUnknown: boolean }> => {
    const topic = await probeTopic(options.pubsub, options.eventsTopic, callTimeoutMs);
    const subscriptions = await Promise.all(
      options.requiredSubscriptions.map((name) => probeSubscription(options.pubsub, name, callTimeoutMs)),
    );
    const missing = [
      ...(topic === "missing" ? [`topic ${options.eventsTopic}`] : []),
      ...options.requiredSubscriptions.filter((_, i) => subscriptions[i] === "missing"),
    ];
    return { missing, isUnknown: topic === "unknown" || subscriptions.includes("unknown") };
  };

  const check = async (): Promise<void> => {
    lastCheckAt = Date.now();
    let found = await findMissing();
    if (found.missing.length > 0 && options.provision) {
      // Held while provisioning: between the topic's creation and its subscriptions' a publish would
      // be acked and dropped (the provisioning test lost 1 of 10 events so, about 1 run in 4).
      hold(`missing on Pub/Sub: ${found.missing.join(", ")}; re-creating`);
      logger.warn({ missing: found.missing }, "provisioning the hub's Pub/Sub layout before publishing");
      await options.provision().catch((error: unknown) => logger.warn({ err: error }, "provisioning failed"));
      found = await findMissing();
    }
    if (found.missing.length > 0) {
      const action = options.provision ? "re-creating" : "create them (PUBSUB_PROVISION is off)";
      hold(`missing on Pub/Sub: ${found.missing.join(", ")}; ${action}`);
    } else if (found.isUnknown) {
      // Not known to be missing: an open guard stays open (a publish error closes it); a held one waits.
      if (heldBecause !== undefined) hold("Pub/Sub does not answer; checking the subscriptions again");
    } else {
      release();
    }
  };

  const task = createPeriodicTask({
    name: "publish guard check",
    intervalMs: options.heldRecheckMs ?? 1000,
    run: async () => {
      if (heldBecause !== undefined || Date.now() - lastCheckAt >= options.checkIntervalMs) await check();
    },
    logger,
    unref: true,
  });

  return {
    holdReason: () => heldBecause,
    reportPublishError(error) {
      hold(`a publish failed (${(error as Error).message}); checking the subscriptions`);
      task.wake();
    },
    check,
    readiness: async () => (heldBecause === undefined ? true : { reason: heldBecause }),
    start: task.start,
    stop: task.stop,
  };
}
