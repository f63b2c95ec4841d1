import type { Scenario } from "../scenario.ts";

/**
 * A Cloud SQL failover's first moment: every session of every service is terminated, again and
 * again for a few seconds, pools, checked-out clients and LISTEN connections alike (issue 13: the
 * dispatcher died of `Connection terminated unexpectedly` on a checked-out client).
 */
export const postgresBackendsTerminated: Scenario = {
  name: "postgres-backends-terminated",
  title: "Postgres backends terminated",
  isQuick: true,
  load: { count: 300 },
  inject: async ({ stack, untilAnswered, note }) => {
    await untilAnswered(60);
    const until = Date.now() + 3000;
    let terminated = 0;
    while (Date.now() < until) {
      terminated += await stack.postgres.terminateBackends();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    note(`terminated ${terminated} backends in 3 s`);
  },
};
