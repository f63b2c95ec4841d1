import type { ServiceName } from "@event-hub/local-stack/services";
import type { Scenario } from "../scenario.ts";

/**
 * One service SIGKILLed mid-load; the suite's supervisor starts it again after its backoff, as
 * Kubernetes would. Duplicates are expected only for sends the kill interrupted.
 */
export function serviceKilled(service: ServiceName, options: { isQuick?: boolean } = {}): Scenario {
  return {
    name: `${service}-killed`,
    title: `${service} SIGKILLed`,
    ...(options.isQuick ? { isQuick: true } : {}),
    // 10 s: ingest is down from the kill until the restarted service is ready; the rest shows it back.
    load: { count: 1000 },
    inject: async ({ hub, untilAnswered, note }) => {
      await untilAnswered(100);
      hub.services.kill(service, "SIGKILL");
      note(`${service} SIGKILLed`);
    },
  };
}
