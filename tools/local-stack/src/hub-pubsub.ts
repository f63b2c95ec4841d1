import { createPubSub, hubPubSubLayout, loadPubSubConfig, provisionHubPubSub } from "@event-hub/shared";

/**
 * Creates every topic and subscription of the hub on an emulator, named by the variables the
 * services read (PUBSUB_TOPIC, PUBSUB_SUBSCRIPTION, ... from `env`): `make up` runs it before it
 * starts the services and after it restarted the emulator, the test setup before any test.
 * Returns a line saying what exists.
 */
export async function provisionEmulator(
  emulator: { host: string; projectId: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const names = loadPubSubConfig(env);
  const layout = hubPubSubLayout(names);
  const pubsub = createPubSub({ projectId: emulator.projectId, emulatorHost: emulator.host });
  try {
    await provisionHubPubSub(pubsub, layout);
  } finally {
    await pubsub.close();
  }
  const subscriptions = layout.subscriptions.map((subscription) => subscription.name);
  return `topics ${layout.topics.join(", ")} and subscriptions ${subscriptions.join(", ")}`;
}
