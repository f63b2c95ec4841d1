import { decodeEvent, withTransaction, type HubEvent, type SecretBox } from "@event-hub/shared";
import type { Message, PubSub, Subscription } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { SyncWorkerMetrics } from "../metrics.ts";
import { findConnectorApi } from "../store/connectors.ts";
import { claimRelationship, recordOutcome } from "../store/auto-accepted-relationships.ts";
import { acceptRelationship } from "./accept-relationship.ts";
import { decideAutoAccept } from "./auto-accept-decision.ts";

export type AutomationsDeps = {
  db: Pool;
  secretBox: SecretBox;
  logger: Logger;
  metrics: SyncWorkerMetrics;
  requestTimeoutMs: number;
};

/**
 * Runs the per-Connector automations on the hub's own subscription of the events topic, so an
 * automation sees every event however it arrived (ingest, outbox relay, broker) and a crash or a
 * transient Connector error only means redelivery: a message is acked once its decision is recorded.
 */
export function startAutomationsConsumer(
  pubsub: PubSub,
  subscriptionName: string,
  deps: AutomationsDeps,
): { stop(): Promise<void> } {
  const subscription: Subscription = pubsub.subscription(subscriptionName, {
    flowControl: { maxMessages: 20 },
  });
  subscription.on("message", (message: Message) => {
    handleMessage(deps, message).then(
      (done) => (done ? message.ack() : message.nack()),
      (error: unknown) => {
        deps.logger.warn({ err: error, messageId: message.id }, "automation failed; the event comes again");
        message.nack();
      },
    );
  });
  subscription.on("error", (error) => deps.logger.error({ err: error }, "automations subscription error"));
  return { stop: () => subscription.close() };
}

/** True when the event is done with (acted on, or nothing to do); false to have it redelivered. */
async function handleMessage(deps: AutomationsDeps, message: Message): Promise<boolean> {
  const decoded = decodeEvent(message);
  if (!decoded.ok || decoded.form !== "cloudevents") return true;
  return await runAutoAccept(deps, decoded.event);
}

async function runAutoAccept(deps: AutomationsDeps, event: HubEvent): Promise<boolean> {
  const decision = decideAutoAccept(event.trigger, event.data);
  if (!decision.accept) return true;
  const connector = await findConnectorApi(deps.db, event.connectorId);
  if (connector?.automations.autoAcceptPendingRelationships !== true || !connector.api_key_sealed)
    return true;
  const apiKey = deps.secretBox.open(connector.api_key_sealed);
  return await withTransaction(deps.db, async (client) => {
    if (!(await claimRelationship(client, connector.id, decision.relationshipId))) {
      count(deps, "alreadyHandled");
      return true;
    }
    const result = await acceptRelationship({
      baseUrl: connector.base_url,
      apiPrefix: connector.api_prefix,
      apiKey,
      relationshipId: decision.relationshipId,
      correlationId: event.correlationId,
      timeoutMs: deps.requestTimeoutMs,
    });
    if (result.kind === "transient") {
      count(deps, "retry");
      deps.logger.warn({ connectorId: connector.id, error: result.error }, "auto-accept will be retried");
      return false;
    }
    const outcome = result.kind === "accepted" ? "accepted" : result.outcome;
    await recordOutcome(client, connector.id, decision.relationshipId, outcome);
    count(deps, result.kind === "accepted" ? "accepted" : "refused");
    deps.logger.info(
      { connectorId: connector.id, relationshipId: decision.relationshipId, outcome },
      "autoAcceptPendingRelationships",
    );
    return true;
  });
}

function count(deps: AutomationsDeps, outcome: string): void {
  deps.metrics.automationActions.inc({ automation: "autoAcceptPendingRelationships", outcome });
}
