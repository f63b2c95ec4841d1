import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { listenForNotifications, type NotificationListener } from "./notification-listener.ts";
import { createPool } from "./pool.ts";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must be set");
const pool = createPool({
  connectionString: databaseUrl,
  max: 2,
  applicationName: "listener-test-control",
  logger: { error: () => undefined },
});
const quietLogger = { warn: () => undefined, info: () => undefined };
const fastBackoff = { initialMs: 50, maxMs: 200, jitterRatio: 0.2 };
const listeners: NotificationListener[] = [];

afterAll(async () => {
  await Promise.all(listeners.map((listener) => listener.stop()));
  await pool.end();
});

/** A listener on a channel of its own (tests run in parallel on one server). */
async function startListener() {
  const suffix = randomUUID().replaceAll("-", "").slice(0, 12);
  const channel = `listener_test_${suffix}`;
  const applicationName = `listener-test-${suffix}`;
  const payloads: (string | undefined)[] = [];
  let resumed = 0;
  const listener = await listenForNotifications({
    connectionString: databaseUrl ?? "",
    channel,
    applicationName,
    logger: quietLogger,
    onNotification: (payload) => payloads.push(payload),
    onResumed: () => (resumed += 1),
    backoff: fastBackoff,
  });
  listeners.push(listener);
  const backends = async () =>
    (
      await pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND query = $2`,
        [applicationName, `LISTEN ${channel}`],
      )
    ).rows.map((row) => row.pid);
  const notify = (payload: string) => pool.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
  return { listener, payloads, resumed: () => resumed, backends, notify };
}

describe("listenForNotifications", () => {
  it("hears a NOTIFY with its payload", async () => {
    const { payloads, notify } = await startListener();
    await notify("con_1");
    await expect.poll(() => payloads).toEqual(["con_1"]);
  });

  it("reopens and LISTENs again after its backend is terminated, and says it resumed", async () => {
    const { payloads, resumed, backends, notify } = await startListener();
    const [first] = await backends();
    expect(first).toBeDefined();
    await pool.query(`SELECT pg_terminate_backend($1)`, [first]);

    const isReopened = async () => {
      const pids = await backends();
      return pids.length === 1 && pids[0] !== first;
    };
    await expect.poll(isReopened, { timeout: 10_000 }).toBe(true);
    await expect.poll(resumed).toBe(1);
    await notify("after");
    await expect.poll(() => payloads).toEqual(["after"]);
  });

  it("keeps trying while Postgres refuses, and stop() ends the attempts", async () => {
    const warnings: object[] = [];
    const listener = await listenForNotifications({
      connectionString: "postgres://nobody@127.0.0.1:1/none",
      channel: "listener_test_refused",
      applicationName: "listener-test-refused",
      logger: { warn: (fields) => warnings.push(fields), info: () => undefined },
      onNotification: () => undefined,
      backoff: fastBackoff,
    });
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await listener.stop();
    const after = warnings.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(warnings.length).toBe(after);
  });

  it("refuses a channel that is not an SQL identifier", async () => {
    await expect(
      listenForNotifications({
        connectionString: databaseUrl ?? "",
        channel: "x; DROP TABLE y",
        applicationName: "listener-test-bad",
        logger: quietLogger,
        onNotification: () => undefined,
      }),
    ).rejects.toThrow(RangeError);
  });
});
