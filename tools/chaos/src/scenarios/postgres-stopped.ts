import type { Scenario } from "../scenario.ts";

/** Postgres gone for 13 s (issue 13: 12–15 s, as Cloud SQL maintenance takes) while events keep coming. */
const POSTGRES_OUTAGE_MS = 13_000;

export const postgresStopped: Scenario = {
  name: "postgres-stopped",
  title: "Postgres stopped 13 s",
  // 20 s: the outage and 6 s after it, when ingest must accept again.
  load: { count: 2000 },
  inject: async ({ stack, untilAnswered, note }) => {
    await untilAnswered(50);
    await stack.postgres.stopServer();
    note("Postgres stopped");
    await new Promise((resolve) => setTimeout(resolve, POSTGRES_OUTAGE_MS));
    await stack.postgres.startServer();
    note("Postgres started");
  },
};
