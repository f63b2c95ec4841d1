import { expectStatus } from "../hub-api.ts";
import type { Scenario } from "../scenario.ts";

/**
 * The receiver answers 410 Gone: the hub disables the destination. Once the receiver is back the
 * operator does the documented recovery: `enable`, then one `recover` since the fault began. Every
 * further call the hub makes necessary (`limitReached`, per-delivery resends) is a manual step.
 */
export const receiverGone: Scenario = {
  name: "receiver-gone",
  title: "receiver answers 410, then enable + recover",
  inject: async ({ receiver, untilAnswered, note }) => {
    await untilAnswered(100);
    await receiver?.setFault({ kind: "gone" });
    note("receiver answers 410");
  },
  recover: async ({ receiver, hub, destinationId, startedAtMs, note, countManualStep }) => {
    await receiver?.setFault({ kind: "healthy" });
    const path = `/v1/webhooks/${destinationId}`;
    const state = await expectStatus(hub.api("GET", path), 200, "reading the destination");
    note(`destination before recovery: enabled=${String(state.enabled)}`);
    const enabled = await expectStatus(hub.api("POST", `${path}/enable`), 200, "enable");
    note(`enable: unparked ${String(enabled.unparkedDeliveries)}`);
    const since = new Date(startedAtMs).toISOString();
    for (let call = 1; ; call += 1) {
      if (call > 1) countManualStep("another recover call (limitReached)");
      const recovered = await expectStatus(
        hub.api("POST", `${path}/recover`, { since, limit: 10000 }),
        202,
        "recover",
      );
      note(`recover: ${JSON.stringify(recovered)}`);
      if (!recovered.limitReached) return;
    }
  },
};
