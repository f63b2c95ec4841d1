import type { Scenario } from "../scenario.ts";

/**
 * The Pub/Sub emulator restarted: every topic and subscription is gone. Then provisioning runs again,
 * as make up's supervisor does it; no service is restarted: they have to notice and heal by
 * themselves (issue 13: the dispatcher never consumed again and the relay failed silently).
 */
export const emulatorRestarted: Scenario = {
  name: "emulator-restarted",
  title: "Pub/Sub emulator restarted",
  load: { count: 1000 },
  inject: async ({ hub, restartEmulator, untilAnswered, note }) => {
    await untilAnswered(150);
    await restartEmulator();
    note("emulator restarted, state lost");
    await hub.provisionPubSub();
    note("provisioned again");
  },
};
