import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertDestination,
  startHookReceiver,
  type HookReceiver,
} from "@event-hub/webhook-dispatcher/testing/harness";
import {
  startDispatcherProcess,
  type DispatcherProcess,
} from "@event-hub/webhook-dispatcher/testing/dispatcher-process";
import { waitForCondition } from "@event-hub/webhook-dispatcher/testing/wait-for-condition";

// A dispatcher started WITHOUT SSRF_ALLOW refuses every private, loopback and link-local address,
// also when a host name resolves to one: the attempt is recorded as ssrf_blocked and the delivery
// fails at once (no retries), and the receiver listening there gets nothing.
describe("SSRF guard (dispatcher process without SSRF_ALLOW)", () => {
  let db: Pool;
  let dispatcher: DispatcherProcess;
  let receiver: HookReceiver;

  beforeAll(async () => {
    receiver = await startHookReceiver();
    dispatcher = await startDispatcherProcess("ssrf", { SSRF_ALLOW: "" });
    db = dispatcher.db;
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
  });

  it("refuses 127.0.0.1, 10.x, 169.254.169.254, [::1] and a name resolving to 127.0.0.1", async () => {
    const connectorId = "ssrf-connector";
    const urls = [
      `http://127.0.0.1:${receiver.port}/hook`,
      "http://10.20.30.40/hook",
      "http://169.254.169.254/latest/meta-data",
      `http://[::1]:${receiver.port}/hook`,
      `http://localhost:${receiver.port}/hook`,
    ];
    const destinations = new Map<string, string>();
    for (const url of urls) {
      destinations.set(
        await insertDestination(db, { config: { url }, connectorIds: [connectorId], timeoutMs: 2000 }),
        url,
      );
    }
    const eventId = await dispatcher.publish({ connectorId, trigger: "transport.messageReceived" });

    const finished = async () =>
      (
        await db.query<{ destination_id: string; status: string; attempt_count: number; outcome: string }>(
          `SELECT d.destination_id, d.status, d.attempt_count, a.outcome
             FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
            WHERE d.event_id = $1 AND d.status <> 'pending'`,
          [eventId],
        )
      ).rows;
    await waitForCondition(async () => (await finished()).length === urls.length, 30_000);

    const rows = await finished();
    for (const row of rows) {
      expect({ url: destinations.get(row.destination_id), ...row }).toMatchObject({
        status: "failed",
        attempt_count: 1,
        outcome: "ssrf_blocked",
      });
    }
    expect(receiver.received).toStrictEqual([]);

    const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`^hub_dispatch_attempts_total\\{outcome="ssrf_blocked",[^}]*\\} ${urls.length}$`, "m"),
    );
    expect(metrics).toMatch(
      new RegExp(`^hub_dispatch_deliveries_failed_total\\{[^}]*\\} ${urls.length}$`, "m"),
    );
  });
});
