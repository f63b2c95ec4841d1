import { connect, type ChannelModel, type ConfirmChannel } from "amqplib";
import type { Logger } from "pino";
import {
  backoffDelayMs,
  createPeriodicTask,
  guardedLookup,
  isSsrfBlocked,
  literalAddressRefusal,
  type Backoff,
  type SsrfPolicy,
} from "@event-hub/shared";
import type { AmqpMessage } from "./amqp-message.ts";

/** How one publish ended: confirmed by the broker, or the failure class and a message for the attempt log. */
export type PublishOutcome = { ok: true } | { ok: false; failure: AmqpFailure; message: string };

export type AmqpFailure =
  "broker_unreachable" | "broker_nack" | "exchange_not_found" | "broker" | "timeout" | "ssrf_blocked";

export type AmqpConnectionOptions = {
  connectTimeoutMs: number;
  /** Between connection attempts to one broker: initial, ×2 each time, capped (jittered ±20 %). */
  backoff: Omit<Backoff, "jitterRatio">;
  /** Where brokers may be: the same SSRF policy as webhooks, checked when connecting. */
  policy: SsrfPolicy;
  /** A connection no publish used for this long is closed (a URL changed or its destination went). */
  idleCloseMs: number;
};

/** One connection and one confirm channel per broker URL, shared by every destination using it. */
export type AmqpConnections = {
  publish(url: string, message: AmqpMessage, timeoutMs: number): Promise<PublishOutcome>;
  /** Connections open now, for /metrics. */
  openConnections(): number;
  close(): Promise<void>;
};

type Link = {
  host: string;
  /** Failed connection attempts in a row; connecting again waits until `retryAt`. */
  failures: number;
  retryAt: number;
  lastError: string;
  /** The last attempt's failure: unreachable, or refused by the SSRF policy. */
  lastFailure: AmqpFailure;
  /** Publishes using the link now, and when the last one ended: an idle link is closed. */
  inUse: number;
  lastUsedAt: number;
  connecting?: Promise<Open | undefined>;
  open?: Open;
};

type Open = {
  connection: ChannelModel;
  channel?: Promise<ConfirmChannel>;
  /** Why the last channel closed (e.g. the broker's 404 for an exchange deleted meanwhile). */
  channelError?: Error;
  /** Exchanges known to exist on this connection; forgotten whenever the channel closes. */
  exchanges: Map<string, Promise<PublishOutcome>>;
  isClosed: boolean;
  /** Closed by us for being idle: its close is no loss worth a warning. */
  isRetired?: boolean;
};

const NOT_FOUND = 404;
/** So replicas that lost a broker together do not all reconnect at once. */
const RECONNECT_JITTER_RATIO = 0.2;

/**
 * Connects lazily. A lost connection or channel fails the publishes in flight (their deliveries are
 * retried, so nothing is lost) and is replaced on the next publish; failed connection attempts are
 * spaced by capped exponential backoff, and publishes in between fail at once without touching the
 * broker. Exchanges are checked, never declared: the operator owns them, as with the Connector.
 */
export function createAmqpConnections(logger: Logger, options: AmqpConnectionOptions): AmqpConnections {
  const links = new Map<string, Link>();
  let isClosing = false;

  const linkFor = (url: string): Link => {
    let link = links.get(url);
    if (!link) {
      link = {
        host: hostOf(url),
        failures: 0,
        retryAt: 0,
        lastError: "",
        lastFailure: "broker_unreachable",
        inUse: 0,
        lastUsedAt: Date.now(),
      };
      links.set(url, link);
    }
    return link;
  };

  const openLink = async (url: string, link: Link): Promise<Open | undefined> => {
    try {
      const connection = await connect(url, {
        lookup: guardedLookup(options.policy),
        timeout: options.connectTimeoutMs,
        clientProperties: { connection_name: "connector-event-hub webhook-dispatcher" },
      });
      const open: Open = { connection, exchanges: new Map(), isClosed: false };
      connection.on("error", (error: Error) => (link.lastError = error.message));
      connection.on("close", (error?: Error) => {
        open.isClosed = true;
        if (link.open === open) link.open = undefined;
        if (!isClosing && !open.isRetired)
          logger.warn({ host: link.host, err: error }, "AMQP connection lost");
      });
      if (link.failures > 0) logger.info({ host: link.host, failures: link.failures }, "AMQP reconnected");
      link.failures = 0;
      return open;
    } catch (error) {
      link.failures += 1;
      link.lastError = (error as Error).message;
      link.lastFailure = isSsrfBlocked(error) ? "ssrf_blocked" : "broker_unreachable";
      link.retryAt =
        Date.now() +
        backoffDelayMs({ ...options.backoff, jitterRatio: RECONNECT_JITTER_RATIO }, link.failures);
      logger.warn(
        { host: link.host, failures: link.failures, retryAt: new Date(link.retryAt), err: error },
        "AMQP connection failed",
      );
      return undefined;
    }
  };

  const connection = async (url: string, link: Link): Promise<Open | PublishOutcome> => {
    const refusal = literalAddressRefusal(options.policy, url);
    if (refusal) return { ok: false, failure: "ssrf_blocked", message: refusal };
    if (link.open && !link.open.isClosed) return link.open;
    if (!link.connecting) {
      const waitMs = link.retryAt - Date.now();
      if (waitMs > 0)
        return failed(link, `${link.lastError} (next connection attempt in ${Math.ceil(waitMs / 1000)} s)`);
      link.connecting = openLink(url, link).then((open) => {
        link.connecting = undefined;
        link.open = open;
        return open;
      });
    }
    return (await link.connecting) ?? failed(link, link.lastError);
  };

  const publishOn = async (url: string, link: Link, message: AmqpMessage, timeoutMs: number) => {
    const open = await connection(url, link);
    if (!("connection" in open)) return open;
    const checked = await checkExchange(open, message.exchange);
    if (!checked.ok) return checked;
    let channel: ConfirmChannel;
    try {
      channel = await confirmChannel(open);
    } catch (error) {
      return closedOutcome(open, error as Error);
    }
    return publishConfirmed(open, channel, message, timeoutMs);
  };

  /** Forgets links no publish used for idleCloseMs, closing their connections. */
  const closeIdle = () => {
    const idleSince = Date.now() - options.idleCloseMs;
    for (const [url, link] of links) {
      if (link.inUse > 0 || link.connecting || link.lastUsedAt > idleSince) continue;
      links.delete(url);
      if (!link.open) continue;
      link.open.isRetired = true;
      logger.info({ host: link.host }, "AMQP connection idle; closed");
      void closeConnection(link.open, options.connectTimeoutMs);
    }
  };
  const idleCheckMs = Math.min(options.idleCloseMs, 60_000);
  const idleCloser = createPeriodicTask({
    name: "closing idle AMQP connections",
    intervalMs: idleCheckMs,
    firstPassInMs: idleCheckMs,
    run: async () => closeIdle(),
    logger,
    unref: true,
  });
  idleCloser.start();

  return {
    async publish(url, message, timeoutMs) {
      if (isClosing) return unreachable("the dispatcher is shutting down");
      const link = linkFor(url);
      link.inUse += 1;
      try {
        return await publishOn(url, link, message, timeoutMs);
      } finally {
        link.inUse -= 1;
        link.lastUsedAt = Date.now();
      }
    },
    openConnections() {
      return [...links.values()].filter((link) => link.open && !link.open.isClosed).length;
    },
    async close() {
      isClosing = true;
      await idleCloser.stop();
      await Promise.allSettled(
        [...links.values()].map(async (link) => {
          const open = link.open ?? (await link.connecting);
          if (open) await closeConnection(open, options.connectTimeoutMs);
        }),
      );
      links.clear();
    },
  };
}

/**
 * amqplib's close() waits for the broker's close-ok, which never comes when the socket died a moment
 * ago: done when the connection reports it closed, or after the timeout at the latest.
 */
function closeConnection(open: Open, timeoutMs: number): Promise<void> {
  if (open.isClosed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    open.connection.once("close", done);
    open.connection.close().then(done, done);
  });
}

/** The connection's confirm channel, opened again after it closed. */
function confirmChannel(open: Open): Promise<ConfirmChannel> {
  if (!open.channel) {
    const opening = open.connection.createConfirmChannel();
    open.channel = opening;
    open.channelError = undefined;
    opening.then(
      (channel) => {
        channel.on("error", (error: Error) => (open.channelError = error));
        channel.on("close", () => {
          if (open.channel === opening) open.channel = undefined;
          open.exchanges.clear();
        });
      },
      () => {
        if (open.channel === opening) open.channel = undefined;
      },
    );
  }
  return open.channel;
}

/**
 * Checks on a throw-away channel that the exchange exists: the broker answers a missing one by
 * closing the channel, which must not be the shared confirm channel other destinations publish on.
 */
function checkExchange(open: Open, exchange: string): Promise<PublishOutcome> {
  if (exchange === "") return Promise.resolve({ ok: true }); // the default exchange always exists
  let checked = open.exchanges.get(exchange);
  if (!checked) {
    checked = (async (): Promise<PublishOutcome> => {
      try {
        const probe = await open.connection.createChannel();
        probe.on("error", () => undefined); // the 404 arrives here too; the rejection below reports it
        await probe.checkExchange(exchange);
        await probe.close();
        return { ok: true };
      } catch (error) {
        open.exchanges.delete(exchange); // look again next time: the operator may create it
        return (error as { code?: number }).code === NOT_FOUND
          ? { ok: false, failure: "exchange_not_found", message: `exchange "${exchange}" does not exist` }
          : closedOutcome(open, error as Error);
      }
    })();
    open.exchanges.set(exchange, checked);
  }
  return checked;
}

/** Publishes and waits for the broker's ack (or nack, channel loss, timeout). */
function publishConfirmed(
  open: Open,
  channel: ConfirmChannel,
  message: AmqpMessage,
  timeoutMs: number,
): Promise<PublishOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, failure: "timeout", message: `not confirmed within ${timeoutMs} ms` }),
      timeoutMs,
    );
    const settle = (outcome: PublishOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    try {
      // A false return only means the socket buffer is full; the message is queued and confirmed later.
      channel.publish(message.exchange, message.routingKey, message.content, message.options, (error) => {
        if (!error) return settle({ ok: true });
        const reason = (error as Error).message;
        settle(
          reason === "message nacked"
            ? { ok: false, failure: "broker_nack", message: "the broker refused the message (nack)" }
            : closedOutcome(open, error as Error),
        );
      });
    } catch (error) {
      settle(closedOutcome(open, error as Error)); // channel closed between lookup and publish
    }
  });
}

/** A publish lost with its channel: why the channel or the connection went away. */
function closedOutcome(open: Open, error: Error): PublishOutcome {
  if (open.isClosed) return unreachable(`connection lost: ${error.message}`);
  const cause = open.channelError;
  if ((cause as { code?: number } | undefined)?.code === NOT_FOUND)
    return { ok: false, failure: "exchange_not_found", message: cause?.message ?? error.message };
  return {
    ok: false,
    failure: "broker",
    message: cause ? `${error.message}: ${cause.message}` : error.message,
  };
}

/** The outcome of a publish that found no connection, as the link's last attempt failed. */
function failed(link: Link, message: string): PublishOutcome {
  return { ok: false, failure: link.lastFailure, message: message || "broker unreachable" };
}

function unreachable(message: string): PublishOutcome {
  return { ok: false, failure: "broker_unreachable", message: message || "broker unreachable" };
}

/** Host and port only: the URL carries credentials and must never reach logs or attempt rows. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable url)";
  }
}
