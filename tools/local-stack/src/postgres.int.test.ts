import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres.ts";
import { uniqueName } from "./test-names.ts";

async function currentDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ name: string }>("SELECT current_database() AS name")).rows[0]?.name ?? "";
  } finally {
    await client.end();
  }
}

describe("the Postgres server", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    // DATABASE_URL now names the run's fresh database, on the server the global setup chose.
    server = await startPostgres();
  });
  afterAll(() => server.stop());

  it("gives this run a fresh database named hub_test_<pid>_<time>, and this file one of its own", async (context) => {
    if (inject("postgresSource") === "pglite") context.skip("PGlite has one database");
    expect(await currentDatabase(inject("databaseUrl"))).toMatch(/^hub_test_\d+_\d+$/);
    expect(await currentDatabase(process.env.DATABASE_URL ?? "")).toMatch(
      /^hub_test_\d+_\d+_file_[0-9a-f]{8}$/,
    );
  });

  it("creates, finds and drops a database", async (context) => {
    if (server.source === "pglite") context.skip("PGlite has one database");
    const name = uniqueName("hub_scratch").replaceAll("-", "_");
    const url = await server.createDatabase(name);
    expect(await currentDatabase(url)).toBe(name);
    expect(await server.ensureDatabase(name)).toBe(url);
    expect(await server.listDatabases("hub_scratch_")).toContain(name);

    const open = new pg.Client({ connectionString: url });
    await open.connect();
    open.on("error", () => undefined); // WITH (FORCE) ends this connection
    await server.dropDatabase(name);
    expect(await server.listDatabases("hub_scratch_")).not.toContain(name);
    await server.dropDatabase(name); // dropping again is not an error
    await open.end().catch(() => undefined);
  });
});
