import {
  connectorApiKeySealing,
  decodeEvent,
  openHealingSubscription,
  type GuardedFetch,
  type HealingSubscription,
  type HubEvent,
  type SecretBox,
} from "@event-hub/shared";
import type { Message, PubSub } from "@google-cloud/pubsub";
import pLimit, { type LimitFunction } from "p-limit";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { SyncWorkerMetrics } from "../metrics.ts";
import { findConnectorApi, type ConnectorApiRow } from "../store/connectors.ts";
import { claimRelationship, recordOutcome, releaseClaim } from "./auto-accepted-relationships-store.ts";
import { acceptRelationship } from "./accept-relationship.ts";
import { decideAutoAccept } from "./auto-accept-decision.ts";

/**
 * What the subscription hands over at once. Nearly every event needs nothing here (only a pending
 * relationship does) and is acked at once, so the subscription must keep ingest's pace: with 20
 * outstanding it fell behind from ~500 events/s in `make bench`, its backlog grew in Pub/Sub, and on
 * the emulator the whole path collapsed (emulator CPU 2.0–2.7 s per 1,000 events, against 0.39 with
 * automations off). The bytes bound what a burst of large events can hold in memory.
 */
const FLOW_CONTROL = { maxMessages: 1000, maxBytes: 16 * 1024 * 1024 };

/** Auto-accepts under way at once: each one takes pooled connections and a call to a Connector. */
const MAX_CONCURRENT_AUTO_ACCEPTS = 20;

export type AutomationsDeps = {
  db: Pool;
  secretBox: SecretBox;
  logger: Logger;
  metrics: SyncWorkerMetrics;
  requestTimeoutMs: number;
  /** The SSRF-guarded client for calls to Connectors (SSRF_ALLOW). */
  connectorFetch: GuardedFetch;
  /** Re-creates the subscription when it is gone (PUBSUB_PROVISION); absent: wait for an operator. */
  provision?: (() => Promise<void>) | undefined;
  /** SUBSCRIPTION_WATCHDOG_SECONDS in ms (default 30 s). */
  watchdogMs?: number;
};

/**
 * Runs the per-Connector automations on the hub's own subscription of the events topic, so an
 * automation sees every event however it arrived (ingest, outbox relay, broker) and a crash or a
 * transient Connector error only means redelivery: a message is acked once its decision is recorded.
 * A lost subscription is reopened (healing-subscription.ts); `readiness` feeds /ready.
 */
export function startAutomationsConsumer(
  pubsub: PubSub,
  subscriptionName: string,
  deps: AutomationsDeps,
): { stop(): Promise<void>; readiness: HealingSubscription["readiness"] } {
  const autoAccepts = pLimit(MAX_CONCURRENT_AUTO_ACCEPTS);
  const subscription = openHealingSubscription(
    pubsub,
    {
      name: subscriptionName,
      streamOptions: { flowControl: FLOW_CONTROL },
      onMessage: (message: Message) => handleSettled(deps, message, autoAccepts),
      provision: deps.provision,
      watchdogMs: deps.watchdogMs ?? 30_000,
    },
    deps.logger,
  );
  return { stop: () => subscription.close(), readiness: subscription.readiness };
}

function handleSettled(deps: AutomationsDeps, message: Message, autoAccepts: LimitFunction): void {
  handleMessage(deps, message, autoAccepts).then(
    (done) => (done ? message.ack() : message.nack()),
    (error: unknown) => {
      deps.logger.warn({ err: error, messageId: message.id }, "automation failed; the event comes again");
      message.nack();
    },
  );
}

/** True when the event is done with (acted on, or nothing to do); false to have it redelivered. */
async function handleMessage(
  deps: AutomationsDeps,
  message: Message,
  autoAccepts: LimitFunction,
): Promise<boolean> {
  const decoded = decodeEvent(message);
  if (!decoded.ok || decoded.form !== "cloudevents") return true;
  const { event } = decoded;
  const decision = decideAutoAccept(event.trigger, event.data);
  if (!decision.accept) return true;
  return await autoAccepts(() => runAutoAccept(deps, event, decision.relationshipId));
}

async function runAutoAccept(
  deps: AutomationsDeps,
  event: HubEvent,
  relationshipId: string,
): Promise<boolean> {
  const connector = await findConnectorApi(deps.db, event.connectorId);
  if (connector?.automations.autoAcceptPendingRelationships !== true || !connector.api_key_sealed)
    return true;
  const apiKey = deps.secretBox.open(connector.api_key_sealed, connectorApiKeySealing(connector.id));
  // Claim, call, record: each step commits on its own, so no pooled connection waits on the
  // Connector (up to requestTimeoutMs) while ingest needs one. The claim keeps "never accept
  // twice": a second delivery finds it and waits; a claim whose holder died goes stale after two
  // request timeouts, and the retry then finds the relationship no longer Pending if it was accepted.
  const staleSeconds = Math.ceil((2 * deps.requestTimeoutMs) / 1000);
  const claim = await claimRelationship(deps.db, connector.id, relationshipId, staleSeconds);
  if (claim.kind !== "claimed") {
    count(deps, claim.kind === "done" ? "alreadyHandled" : "inProgress");
    return claim.kind === "done";
  }
  const claimed = { connector, apiKey, relationshipId, event };
  return await acceptClaimed(deps, claimed, claim.token);
}

type Claimed = { connector: ConnectorApiRow; apiKey: string; relationshipId: string; event: HubEvent };

/** Calls `PUT …/Accept` under our claim; records the outcome, or releases the claim to retry. */
async function acceptClaimed(deps: AutomationsDeps, claimed: Claimed, token: string): Promise<boolean> {
  const { connector, relationshipId } = claimed;
  const result = await acceptRelationship(deps.connectorFetch, {
    baseUrl: connector.base_url,
    apiPrefix: connector.api_prefix,
    apiKey: claimed.apiKey,
    relationshipId,
    correlationId: claimed.event.correlationId,
    timeoutMs: deps.requestTimeoutMs,
  });
  if (result.kind === "transient") {
    count(deps, "retry");
    deps.logger.warn({ connectorId: connector.id, error: result.error }, "auto-accept will be retried");
    await releaseClaim(deps.db, connector.id, relationshipId, token);
    return false;
  }
  const outcome = result.kind === "accepted" ? "accepted" : result.outcome;
  await recordOutcome(deps.db, connector.id, relationshipId, outcome);
  count(deps, result.kind === "accepted" ? "accepted" : "refused");
  deps.logger.info({ connectorId: connector.id, relationshipId, outcome }, "autoAcceptPendingRelationships");
  return true;
}

function count(deps: AutomationsDeps, outcome: string): void {
  deps.metrics.automationActions.inc({ automation: "autoAcceptPendingRelationships", outcome });
}
