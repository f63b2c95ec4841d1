import { createPubSub } from "@event-hub/shared";

// A subscriber on ONE StreamingPull stream, as a process of its own so a test can SIGKILL it:
// `node one-stream-subscriber.ts <subscription>` on PUBSUB_EMULATOR_HOST / PUBSUB_PROJECT_ID.
// Prints `received <ordering key>` for each message and acks it.
const [subscriptionName = ""] = process.argv.slice(2);
const pubsub = createPubSub({
  projectId: process.env.PUBSUB_PROJECT_ID ?? "",
  emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
});
const subscription = pubsub.subscription(subscriptionName, { streamingOptions: { maxStreams: 1 } });
subscription.on("message", (message) => {
  console.log(`received ${message.orderingKey ?? ""}`);
  message.ack();
});
subscription.on("error", (error) => console.error(`subscription error: ${error.message}`));
