import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres.ts";

/**
 * The evidence behind the PGlite verdict at the top of postgres.ts: what three services, each with
 * a `pg` pool, get from PGlite served by pglite-socket. When a PGlite release changes one of these,
 * this test fails: update the verdict (and perhaps the fallback order) with it.
 * It runs in every `make test` (PGlite starts in a few seconds), so the verdict is checked, not recalled.
 */
describe("PGlite behind pglite-socket, as three services would use it", () => {
  let server: PostgresServer;
  let pools: pg.Pool[];
  beforeAll(async () => {
    server = await startPostgres({ sources: ["pglite"] });
    pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: server.adminUrl, max: 4 }));
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server.stop();
  });

  it("is chosen with its limitation stated", () => {
    expect(server.source).toBe("pglite");
    expect(server.limitation).toMatch(/single Postgres session/);
  });

  it("accepts concurrent connections from three pools, all in one backend", async () => {
    const queries = pools.flatMap((pool) =>
      [1, 2, 3, 4].map(() => pool.query("SELECT pg_backend_pid() AS pid")),
    );
    const pids = new Set((await Promise.all(queries)).map((result) => result.rows[0].pid));
    expect(pids.size).toBe(1);
  });

  it("lets two connections hold the same advisory lock", async () => {
    const [a, b] = await Promise.all([pools[0]!.connect(), pools[1]!.connect()]);
    try {
      expect((await a.query("SELECT pg_try_advisory_lock(42) AS ok")).rows[0].ok).toBe(true);
      expect((await b.query("SELECT pg_try_advisory_lock(42) AS ok")).rows[0].ok).toBe(true); // false on Postgres
    } finally {
      await a.query("SELECT pg_advisory_unlock_all()");
      a.release();
      b.release();
    }
  });

  it("blocks every other connection while one is in a transaction, so SKIP LOCKED never skips", async () => {
    await pools[0]!.query(
      "CREATE TABLE jobs (id int PRIMARY KEY); INSERT INTO jobs SELECT generate_series(1, 4)",
    );
    const claim = "SELECT id FROM jobs ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED";
    const [a, b] = await Promise.all([pools[0]!.connect(), pools[1]!.connect()]);
    try {
      await a.query("BEGIN");
      expect((await a.query(claim)).rows.map((row) => row.id)).toEqual([1, 2]);
      const second = b.query(claim);
      const outcome = await Promise.race([
        second.then(() => "answered"),
        delay(500).then(() => "still waiting"),
      ]);
      expect(outcome).toBe("still waiting"); // Postgres answers at once with [3, 4]
      await a.query("COMMIT");
      expect((await second).rows.map((row) => row.id)).toEqual([1, 2]);
    } finally {
      a.release();
      b.release();
    }
  });

  it("delivers a NOTIFY to the notifying connection, not to the listener", async () => {
    const [listener, notifier] = await Promise.all([pools[0]!.connect(), pools[1]!.connect()]);
    const heard = { listener: [] as string[], notifier: [] as string[] };
    listener.on("notification", (message) => heard.listener.push(message.payload ?? ""));
    notifier.on("notification", (message) => heard.notifier.push(message.payload ?? ""));
    try {
      await listener.query("LISTEN hub");
      await notifier.query("NOTIFY hub, 'hello'");
      await delay(200);
      await listener.query("SELECT 1");
      expect(heard).toEqual({ listener: [], notifier: ["hello"] });
    } finally {
      await listener.query("UNLISTEN *");
      listener.release();
      notifier.release();
    }
  });

  it("shares session settings and has one database whatever the URL names", async () => {
    const [a, b] = await Promise.all([pools[0]!.connect(), pools[2]!.connect()]);
    try {
      await a.query("SET application_name = 'service-a'");
      expect((await b.query("SHOW application_name")).rows[0].application_name).toBe("service-a");
    } finally {
      await a.query("RESET application_name");
      a.release();
      b.release();
    }
    const client = new pg.Client({
      connectionString: server.adminUrl.replace(/\/postgres$/, "/elsewhere"),
    });
    await client.connect();
    expect((await client.query("SELECT current_database() AS name")).rows[0].name).toBe("postgres");
    await client.end();
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
