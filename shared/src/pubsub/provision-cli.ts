/**
 * `make provision`: creates every topic and subscription of the hub (hub-pubsub-layout.ts) that is
 * missing, named by the same variables the services read (PUBSUB_TOPIC, PUBSUB_SUBSCRIPTION,
 * AUTOMATIONS_SUBSCRIPTION, OPERATIONS_TOPIC; PUBSUB_EMULATOR_HOST and PUBSUB_PROJECT_ID for the
 * emulator). Prints the layout, exits 0 on success and 1 with one line on stderr otherwise.
 */
import { openPubSub } from "../service-startup.ts";
import { hubPubSubLayout, loadPubSubConfig, provisionHubPubSub } from "./hub-pubsub-layout.ts";

try {
  const config = loadPubSubConfig();
  const layout = hubPubSubLayout(config);
  const pubsub = openPubSub(config);
  try {
    await provisionHubPubSub(pubsub, layout);
  } finally {
    await pubsub.close();
  }
  const where = config.PUBSUB_EMULATOR_HOST ? `emulator ${config.PUBSUB_EMULATOR_HOST}` : "Pub/Sub";
  for (const topic of layout.topics) process.stdout.write(`topic ${topic}\n`);
  for (const subscription of layout.subscriptions) {
    process.stdout.write(
      `subscription ${subscription.name} on ${subscription.topic} (${subscription.role})\n`,
    );
  }
  process.stdout.write(`${where}: every topic and subscription of the hub exists\n`);
} catch (error) {
  console.error(`provision: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
