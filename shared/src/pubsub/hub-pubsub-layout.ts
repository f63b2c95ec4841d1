import type { PubSub } from "@google-cloud/pubsub";
import { Type, type Static } from "typebox";
import { loadConfig, pubsubSettings } from "../config.ts";
import { ensureSubscription, ensureTopic, type SubscriptionSettings } from "./provision.ts";

/** The names an operator may choose (PUBSUB_TOPIC, PUBSUB_SUBSCRIPTION, ...: every service reads them). */
export type HubPubSubNames = {
  PUBSUB_TOPIC: string;
  PUBSUB_SUBSCRIPTION: string;
  AUTOMATIONS_SUBSCRIPTION: string;
  OPERATIONS_TOPIC: string;
};

export type HubSubscription = {
  /** Which consumer reads it, for log lines and /ready. */
  role: "dispatcher" | "automations";
  name: string;
  topic: string;
  settings: SubscriptionSettings;
};

/** Every topic and subscription of the hub, with the settings they are created with. */
export type HubPubSubLayout = {
  eventsTopic: string;
  topics: string[];
  subscriptions: HubSubscription[];
};

/** sync-worker's automations subscription when AUTOMATIONS_SUBSCRIPTION is empty. */
export function automationsSubscriptionName(names: HubPubSubNames): string {
  return names.AUTOMATIONS_SUBSCRIPTION || `${names.PUBSUB_TOPIC}-sync-worker-automations`;
}

/**
 * The one description of the hub's Pub/Sub resources: what `make provision`, the local stack, the
 * tests and every service with PUBSUB_PROVISION create, and what deploy/terraform/pubsub.tf declares
 * (test/deploy/terraform.test.ts compares them). The automations subscription exists even where
 * automations are off, as in Terraform: a service that turns them on finds it with every event since.
 */
export function hubPubSubLayout(names: HubPubSubNames): HubPubSubLayout {
  const eventsTopic = names.PUBSUB_TOPIC;
  return {
    eventsTopic,
    topics: [eventsTopic, names.OPERATIONS_TOPIC],
    subscriptions: [
      {
        role: "dispatcher",
        name: names.PUBSUB_SUBSCRIPTION,
        topic: eventsTopic,
        // Ordering: one Connector's events reach the dispatcher in order (ordered destinations rely
        // on it). 60 s: a batch waits for its transaction before it is acked.
        settings: { enableMessageOrdering: true, ackDeadlineSeconds: 60 },
      },
      {
        role: "automations",
        name: automationsSubscriptionName(names),
        topic: eventsTopic,
        settings: {
          ackDeadlineSeconds: 60,
          retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 60 },
        },
      },
    ],
  };
}

/**
 * Creates every topic, then every subscription, of the layout that is missing. Idempotent and safe
 * for several processes at once; existing resources keep their settings.
 */
export async function provisionHubPubSub(pubsub: PubSub, layout: HubPubSubLayout): Promise<void> {
  await Promise.all(layout.topics.map((topic) => ensureTopic(pubsub, topic)));
  await Promise.all(
    layout.subscriptions.map((subscription) =>
      ensureSubscription(pubsub, subscription.topic, subscription.name, subscription.settings),
    ),
  );
}

const pubsubConfigSchema = Type.Object(pubsubSettings);

/** The Pub/Sub variables every service reads, for tools that provision as a service would. */
export function loadPubSubConfig(env: NodeJS.ProcessEnv = process.env): Static<typeof pubsubConfigSchema> {
  return loadConfig(pubsubConfigSchema, env);
}
