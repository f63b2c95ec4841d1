import { createServer } from "node:net";
import type { Socket } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { assertDatabaseReachable, checkDatabase, createPool, describeDatabaseAddress } from "./pool.ts";

const silent = { error: () => undefined };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("describeDatabaseAddress", () => {
  it.each([
    ["postgres://hub:s3cret@db.internal:6432/hub?sslmode=require", "db.internal:6432/hub"],
    ["postgresql://postgres@127.0.0.1/events", "127.0.0.1:5432/events"],
    ["postgres://hub:pw@/hub?host=/cloudsql/p:r:i", "/cloudsql/p:r:i:5432/hub"],
    ["postgres://app@localhost:5432", "localhost:5432/app"],
    ["postgres://app:pw%40x@[::1]:5433/my%20db", "[::1]:5433/my db"],
    ["host=localhost dbname=hub password=secret", "(unparseable DATABASE_URL)"],
  ])("%s → %s, never the password", (connectionString, address) => {
    expect(describeDatabaseAddress(connectionString)).toBe(address);
  });
});

describe("with Postgres unreachable", () => {
  it("assertDatabaseReachable throws one line naming the address and the cause, not the password", async () => {
    const port = await closedPort();
    const connectionString = `postgres://hub:topsecret@127.0.0.1:${port}/hub`;
    const pool = createPool({ connectionString, max: 1, applicationName: "test", logger: silent });
    const failure = assertDatabaseReachable(pool, connectionString);
    await expect(failure).rejects.toThrow(`cannot reach Postgres at 127.0.0.1:${port}/hub (ECONNREFUSED)`);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain("topsecret");
    expect(message).not.toContain("\n");
    await pool.end();
  });

  it("assertDatabaseReachable names an unknown host", async () => {
    const connectionString = "postgres://hub@no-such-host.invalid:5432/hub";
    const pool = createPool({ connectionString, max: 1, applicationName: "test", logger: silent });
    await expect(assertDatabaseReachable(pool, connectionString)).rejects.toThrow(
      "cannot reach Postgres at no-such-host.invalid:5432/hub (ENOTFOUND)",
    );
    await pool.end();
  });

  it("checkDatabase answers false", async () => {
    const connectionString = `postgres://hub@127.0.0.1:${await closedPort()}/hub`;
    const pool = createPool({ connectionString, max: 1, applicationName: "test", logger: silent });
    expect(await checkDatabase(pool, 1000)).toBe(false);
    await pool.end();
  });

  it("checkDatabase answers false within the timeout when the server never answers", async () => {
    // Accepts the TCP connection and then says nothing, like a hung server.
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const connectionString = `postgres://hub@127.0.0.1:${address.port}/hub`;
    const pool = createPool({ connectionString, max: 1, applicationName: "test", logger: silent });
    const started = Date.now();
    expect(await checkDatabase(pool, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await pool.end().catch(() => undefined);
  });
});

describe("createPool", () => {
  it("logs an idle client's error instead of crashing the process", async () => {
    const logger = { error: vi.fn() };
    const pool = createPool({
      connectionString: "postgres://x@127.0.0.1/x",
      max: 1,
      applicationName: "t",
      logger,
    });
    const error = new Error("terminating connection due to administrator command");
    pool.emit("error", error, undefined as never);
    expect(logger.error).toHaveBeenCalledWith(
      { err: error },
      "idle Postgres client failed; the pool replaces it",
    );
    await pool.end();
  });
});
