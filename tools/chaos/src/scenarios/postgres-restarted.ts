import type { Scenario } from "../scenario.ts";

/** Postgres restarted (fast shutdown, then start): maintenance, or a failover to the same address. */
export const postgresRestarted: Scenario = {
  name: "postgres-restarted",
  title: "Postgres restarted",
  isQuick: true,
  load: { count: 300 },
  inject: async ({ stack, untilAnswered, note }) => {
    await untilAnswered(60);
    await stack.postgres.stopServer();
    note("Postgres stopped");
    await stack.postgres.startServer();
    note("Postgres started");
  },
};
