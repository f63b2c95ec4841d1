import type { Scenario } from "../scenario.ts";

/**
 * The dispatcher SIGKILLed while the receiver is slow, so that many deliveries and Pub/Sub messages
 * are in flight; the supervisor starts it again (issue 13: one Connector's events stopped flowing).
 */
export const dispatcherKilledReceiverSlow: Scenario = {
  name: "dispatcher-killed-receiver-slow",
  title: "dispatcher SIGKILLed, receiver slow",
  initialFault: { kind: "slow", delayMs: 200 },
  inject: async ({ hub, untilTaken, note }) => {
    await untilTaken(100);
    hub.services.kill("webhook-dispatcher", "SIGKILL");
    note("webhook-dispatcher SIGKILLed");
  },
};
