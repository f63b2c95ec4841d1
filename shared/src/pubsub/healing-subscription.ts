import type { Message, PubSub, Subscription, SubscriptionOptions } from "@google-cloud/pubsub";
import type { Logger } from "pino";
import { backoffDelayMs, type Backoff } from "../backoff.ts";
import type { ReadinessCheck } from "../http/ops-routes.ts";
import { createWaitingMessageProbe, probeSubscription, readSubscriptionState } from "./subscription-probe.ts";

export type HealingSubscriptionOptions = {
  name: string;
  /** Options of every stream opened on it (flow control, close behaviour). */
  streamOptions?: SubscriptionOptions;
  onMessage: (message: Message) => void;
  /** Creates what is missing (the hub's layout) when provisioning is on; absent: wait for an operator. */
  provision?: (() => Promise<void>) | undefined;
  /** Nothing received for this long, with nothing in hand: check the subscription (see README). */
  watchdogMs: number;
  /** Waits between checks while the subscription is missing or Pub/Sub does not answer. */
  recheck?: Backoff;
  /** Bounds each Pub/Sub call of a check, and closing a stream (close() can hang: google-cloud-node#8330). */
  callTimeoutMs?: number;
};

export type HealingSubscription = {
  /** For /ready: down, with the reason, from the moment the stream is lost until it is open again. */
  readiness: ReadinessCheck;
  close(): Promise<void>;
};

const DEFAULT_RECHECK: Backoff = { initialMs: 500, maxMs: 15_000, jitterRatio: 0.2 };
const MISSING_PROVISIONING = "the subscription does not exist; re-creating it (PUBSUB_PROVISION)";
const MISSING_WAITING =
  "the subscription does not exist and PUBSUB_PROVISION is off: create it (terraform apply, make provision)";

/**
 * A Pub/Sub consumer that notices when its subscription is gone or its stream stopped delivering,
 * reports it on /ready, and comes back by itself. The client library retries a stream only on
 * transient errors; on any other (NOT_FOUND after an emulator restart or a deletion) it closes the
 * stream for good and emits "error" once, and nothing ever consumes again. So on "error" this
 * closes the stream, waits until the subscription exists (creating it when `provision` is given),
 * and opens a new one. A watchdog covers a stream that stays open but receives nothing although
 * messages wait. Each step is logged once.
 */
export function openHealingSubscription(
  pubsub: PubSub,
  options: HealingSubscriptionOptions,
  logger: Logger,
): HealingSubscription {
  const log = logger.child({ subscription: options.name });
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  const recheck = options.recheck ?? DEFAULT_RECHECK;
  const probe = createWaitingMessageProbe(pubsub, options.name, callTimeoutMs);
  let stream: Subscription | undefined;
  let downReason: string | undefined;
  let healing: Promise<void> | undefined;
  let isClosed = false;
  let lastReceivedAt = Date.now();
  let inHand = 0;
  /** Reopens since a stream last received: a stream that fails again at once is reopened later. */
  let reopensInARow = 0;
  const pause = createPause();

  const openStream = (): void => {
    const opened = pubsub.subscription(options.name, options.streamOptions);
    opened.on("message", (message: Message) => {
      // A late message of a stream being closed is handled, but counts for nothing here.
      if (stream === opened) {
        lastReceivedAt = Date.now();
        reopensInARow = 0;
        inHand += 1;
        onSettled(message, () => {
          if (stream === opened) inHand = Math.max(0, inHand - 1);
        });
      }
      options.onMessage(message);
    });
    opened.on("error", (error: Error) => {
      if (stream === opened) heal(`the stream ended: ${error.message}`);
    });
    stream = opened;
    lastReceivedAt = Date.now();
    inHand = 0;
  };

  const heal = (reason: string): void => {
    if (healing || isClosed) return;
    downReason = `${reason}; reopening`;
    log.warn({ reason }, "subscription not consumed; reopening it");
    healing = reopen().finally(() => (healing = undefined));
  };

  const reopen = async ({ isQuiet = false } = {}): Promise<void> => {
    const lost = stream;
    stream = undefined;
    if (lost) await closeStream(lost, callTimeoutMs);
    // A quiet stream was open for a watchdog period without failing: that is no failure in a row.
    reopensInARow = isQuiet ? 0 : reopensInARow + 1;
    if (reopensInARow > 1) await pause.wait(backoffDelayMs(recheck, reopensInARow - 1));
    if (!(await waitUntilPresent())) return;
    openStream();
    if (downReason !== undefined || !isQuiet) log.info("subscription consumed again");
    downReason = undefined;
  };

  /** True once the subscription exists; false when closed meanwhile. */
  const waitUntilPresent = async (): Promise<boolean> => {
    let hasLoggedMissing = false;
    for (let failures = 1; !isClosed; failures++) {
      const presence = await probeSubscription(pubsub, options.name, callTimeoutMs);
      if (presence === "exists") return true;
      if (presence === "unknown") downReason = "Pub/Sub does not answer; checking again";
      else downReason = options.provision ? MISSING_PROVISIONING : MISSING_WAITING;
      if (presence === "missing" && !hasLoggedMissing) {
        hasLoggedMissing = true;
        if (options.provision) log.warn("subscription does not exist; provisioning the hub's Pub/Sub layout");
        else log.error("subscription does not exist and PUBSUB_PROVISION is off; waiting for it");
      }
      if (presence === "missing" && options.provision && (await provisionQuietly())) continue;
      await pause.wait(backoffDelayMs(recheck, failures));
    }
    return false;
  };

  const provisionQuietly = async (): Promise<boolean> => {
    try {
      await options.provision?.();
      return true;
    } catch (error) {
      log.warn({ err: error }, "provisioning failed; trying again");
      return false;
    }
  };

  /**
   * Quiet for `watchdogMs` with nothing in hand: a missing subscription is healed; on an unordered
   * one, a message found waiting means the stream is stuck, so it is reopened. An ordered one cannot
   * be peeked without reordering its key (see subscription-probe.ts), so its quiet stream is simply
   * reopened: with nothing in hand that costs one reconnect and gives back no message.
   */
  const watch = async (): Promise<void> => {
    if (healing || isClosed || inHand > 0 || Date.now() - lastReceivedAt < options.watchdogMs) return;
    lastReceivedAt = Date.now(); // one check per quiet period
    const state = await readSubscriptionState(pubsub, options.name, callTimeoutMs);
    if (state.presence === "missing") return heal("the subscription does not exist");
    if (state.presence !== "exists" || inHand > 0 || healing || isClosed) return;
    if (state.isOrdered) return refresh();
    if (await probe.hasWaitingMessage()) {
      heal(`messages wait but the stream received none for ${Math.round(options.watchdogMs / 1000)} s`);
    } else {
      log.debug("quiet subscription checked; no message waits");
    }
  };

  /** Reopens a quiet stream without reporting not-ready (nothing is known to be wrong). */
  const refresh = (): void => {
    if (healing || isClosed) return;
    log.debug("quiet ordered subscription; reopening its stream");
    healing = reopen({ isQuiet: true }).finally(() => (healing = undefined));
  };

  const watchdog = setInterval(() => void watch(), Math.max(100, Math.round(options.watchdogMs / 4)));
  watchdog.unref();

  openStream();
  return {
    readiness: async () => (downReason === undefined ? true : { reason: downReason }),
    async close() {
      isClosed = true;
      clearInterval(watchdog);
      pause.cancel();
      await healing;
      if (stream) await closeStream(stream, callTimeoutMs);
      stream = undefined;
      await probe.close().catch(() => undefined);
    },
  };
}

/** Calls `done` once, when the message is acked or nacked (the hub's consumers settle only so). */
function onSettled(message: Message, done: () => void): void {
  let isSettled = false;
  const settle = () => {
    if (!isSettled) done();
    isSettled = true;
  };
  const { ack, nack } = message;
  message.ack = () => {
    settle();
    ack.call(message);
  };
  message.nack = () => {
    settle();
    nack.call(message);
  };
}

async function closeStream(stream: Subscription, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  // Listeners stay: a late "error" of the old stream must find its handler (which ignores it), or it throws.
  await Promise.race([stream.close().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** A sleep that close() cuts short. */
function createPause(): { wait(ms: number): Promise<void>; cancel(): void } {
  const sleepers = new Set<() => void>();
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        sleepers.add(wake);
      }),
    cancel: () => {
      for (const wake of [...sleepers]) wake();
    },
  };
}
