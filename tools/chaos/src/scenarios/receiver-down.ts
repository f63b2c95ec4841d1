import type { Scenario } from "../scenario.ts";

/**
 * The receiver down (connections refused) for 10 s mid-load, then back: what the Connector's own
 * webhooks module loses outright, and the reason the hub exists. Everything must arrive by retries.
 */
export const receiverDown: Scenario = {
  name: "receiver-down",
  title: "receiver down 10 s",
  inject: async ({ receiver, untilAnswered, note }) => {
    await untilAnswered(100);
    await receiver?.setFault({ kind: "down" });
    note("receiver down");
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await receiver?.setFault({ kind: "healthy" });
    note("receiver back");
  },
  drainTimeoutMs: 90_000,
};
