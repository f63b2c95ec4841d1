import { AppError, ensureTopic, isValidTriggerPattern, newId } from "@event-hub/shared";
import type { CreateSubscriptionOptions, PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import type { Static } from "typebox";
import { connectorIdsForNew, type ConnectorAccess } from "../auth/connector-access.ts";
import type { SubscriptionInput as SubscriptionInputSchema } from "../routes/subscription-schemas.ts";
import {
  deleteSubscriptionRow,
  findSubscription,
  insertSubscription,
  type SubscriptionRow,
  type SubscriptionSettings,
} from "./pubsub-subscriptions-store.ts";
import { SUBSCRIPTION_DEFAULTS } from "./subscription-defaults.ts";
import { pubsubFilter } from "./subscription-filter.ts";

export type SubscriptionInput = Static<typeof SubscriptionInputSchema>;

type Deps = { db: Pool; pubsub: PubSub; topicName: string };

// gRPC status codes the Pub/Sub client reports.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const grpcCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * Creates a Pub/Sub subscription on the events topic for a back end, with a filter built from its
 * triggers and Connector scope (see subscription-filter.ts), then records it.
 */
export async function createSubscription(
  deps: Deps,
  input: SubscriptionInput,
  access: ConnectorAccess,
): Promise<{ row: SubscriptionRow; isExact: boolean; notes: string[] }> {
  // A key limited to Connectors subscribes to their events only: the filter carries its list.
  const connectorIds = connectorIdsForNew(access, input.connectorIds, "body/connectorIds") ?? undefined;
  input.triggers.forEach((pattern, i) => {
    if (!isValidTriggerPattern(pattern)) {
      throw new AppError(
        "error.hub.validation",
        `body/triggers/${i}: "${pattern}" is not a trigger pattern`,
        400,
      );
    }
  });
  const { filter, isExact, notes } = pubsubFilter(input.triggers, connectorIds);
  const settings: SubscriptionSettings = {
    ackDeadlineSeconds: input.ackDeadlineSeconds ?? SUBSCRIPTION_DEFAULTS.ackDeadlineSeconds,
    retentionSeconds: input.retentionSeconds ?? SUBSCRIPTION_DEFAULTS.retentionSeconds,
    ordered: input.ordered ?? SUBSCRIPTION_DEFAULTS.ordered,
    deadLetter: input.deadLetter ?? null,
    pushEndpoint: input.pushEndpoint ?? null,
  };
  if (settings.deadLetter) {
    await ensureTopic(deps.pubsub, settings.deadLetter.topic).catch((error: unknown) => {
      throw provisioningError(error, "body/deadLetter/topic");
    });
  }
  try {
    await deps.pubsub
      .topic(deps.topicName)
      .createSubscription(input.name, clientOptions(deps.pubsub, filter, settings));
  } catch (error) {
    if (grpcCode(error) === ALREADY_EXISTS) {
      throw new AppError(
        "error.hub.subscriptionExists",
        `a Pub/Sub subscription "${input.name}" exists`,
        409,
      );
    }
    throw provisioningError(error, "body");
  }
  try {
    const row = await insertSubscription(deps.db, {
      id: newId("sub"),
      name: input.name,
      triggers: input.triggers,
      connector_ids: connectorIds ?? null,
      filter,
      settings,
    });
    return { row, isExact, notes };
  } catch (error) {
    await deps.pubsub
      .subscription(input.name)
      .delete()
      .catch(() => undefined); // no half-created subscription
    throw error;
  }
}

/** Deletes the Pub/Sub subscription (gone already is fine) and its record. */
export async function deleteSubscription(deps: Deps, id: string, access: ConnectorAccess): Promise<void> {
  const row = await findSubscription(deps.db, id, access);
  if (!row) throw subscriptionNotFound(id);
  try {
    await deps.pubsub.subscription(row.name).delete();
  } catch (error) {
    if (grpcCode(error) !== NOT_FOUND) throw pubsubUnavailable(error);
  }
  await deleteSubscriptionRow(deps.db, id, access);
}

/**
 * Pub/Sub refused what it was asked (INVALID_ARGUMENT: the caller's 400, naming the input and
 * Pub/Sub's reason) or failed otherwise (502, the documented answer, not a 500).
 */
function provisioningError(error: unknown, field: string): AppError {
  if (grpcCode(error) !== INVALID_ARGUMENT) return pubsubUnavailable(error);
  return new AppError("error.hub.validation", `${field}: Pub/Sub refused it: ${errorText(error)}`, 400, {
    cause: error,
  });
}

const errorText = (error: unknown) => String((error as Error | null)?.message ?? error);

/** Pub/Sub refused or did not answer: the caller sees 502 with the reason kept for the log. */
function pubsubUnavailable(error: unknown): AppError {
  return new AppError("error.hub.pubsubUnavailable", "Pub/Sub did not complete the request", 502, {
    details: errorText(error),
    cause: error,
  });
}

export function subscriptionNotFound(id: string): AppError {
  return new AppError("error.hub.subscriptionNotFound", `no subscription "${id}"`, 404);
}

function clientOptions(
  pubsub: PubSub,
  filter: string,
  settings: SubscriptionSettings,
): CreateSubscriptionOptions {
  const options: CreateSubscriptionOptions = {
    ackDeadlineSeconds: settings.ackDeadlineSeconds,
    messageRetentionDuration: { seconds: settings.retentionSeconds },
    enableMessageOrdering: settings.ordered,
  };
  if (filter) options.filter = filter;
  if (settings.deadLetter) {
    options.deadLetterPolicy = {
      deadLetterTopic: pubsub.topic(settings.deadLetter.topic).name,
      maxDeliveryAttempts: settings.deadLetter.maxDeliveryAttempts,
    };
  }
  if (settings.pushEndpoint) options.pushConfig = { pushEndpoint: settings.pushEndpoint };
  return options;
}
