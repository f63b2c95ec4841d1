import type { Scenario } from "../scenario.ts";

/**
 * After an emulator restart the services are restarted, sync-worker first, before provisioning and
 * before the dispatcher: sync-worker must not relay its outbox or publish into the topic until the
 * dispatcher's subscription exists (issue 13: 705 events relayed into a topic with no subscription,
 * lost without a word). Provisioning is left to the services here (PUBSUB_PROVISION, the default).
 */
export const syncWorkerBeforeDispatcher: Scenario = {
  name: "sync-worker-before-dispatcher",
  title: "emulator restarted, then sync-worker before dispatcher",
  // 20 s: stopping sync-worker while its Pub/Sub is gone takes its whole shutdown budget (8 s).
  load: { count: 2000 },
  inject: async ({ hub, restartEmulator, untilAnswered, note }) => {
    await untilAnswered(150);
    await restartEmulator();
    note("emulator restarted, state lost");
    await hub.restart("sync-worker");
    note("sync-worker restarted");
    // Events taken and relayed by the new sync-worker while the dispatcher still runs on a lost subscription.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await hub.restart("webhook-dispatcher");
    note("webhook-dispatcher restarted");
  },
};
