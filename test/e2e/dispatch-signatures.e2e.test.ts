import { randomBytes } from "node:crypto";
import { createSecretBox, signingSecretSealing } from "@event-hub/shared";
import type { Pool } from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertDestination,
  newSigningSecret,
  startHookReceiver,
  type HookReceiver,
  type ReceivedHook,
} from "@event-hub/webhook-dispatcher/testing/harness";
import {
  startDispatcherProcess,
  type DispatcherProcess,
} from "@event-hub/webhook-dispatcher/testing/dispatcher-process";

// Signatures through the real pipeline (topic → dispatcher process → receiver), verified with the
// `standardwebhooks` package, before, during and after a secret rotation.
describe("Standard Webhooks signatures", () => {
  const secretsKey = randomBytes(32).toString("base64");
  const box = createSecretBox({ key: secretsKey });
  let db: Pool;
  let dispatcher: DispatcherProcess;
  let receiver: HookReceiver;

  beforeAll(async () => {
    receiver = await startHookReceiver();
    dispatcher = await startDispatcherProcess("signatures", { SSRF_ALLOW: "127.0.0.0/8" }, secretsKey);
    db = dispatcher.db;
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
  });

  const verifies = (secret: string, hook: ReceivedHook): boolean => {
    try {
      new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  const deliverOne = async (connectorId: string, data: unknown): Promise<ReceivedHook> => {
    const id = await dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data });
    await receiver.waitUntil((r) => r.some((hook) => hook.headers["webhook-id"] === id));
    const hook = receiver.received.find((h) => h.headers["webhook-id"] === id);
    if (!hook) throw new Error("not received");
    return hook;
  };

  it("signs with every unexpired secret, so receivers verify with the old or the new one", async () => {
    const connectorId = "sig-connector";
    const oldSecret = newSigningSecret();
    const newSecret = newSigningSecret();
    const destinationId = await insertDestination(db, {
      config: { url: `${receiver.url}/signed` },
      connectorIds: [connectorId],
    });
    const addSecret = (secret: string) =>
      db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
        destinationId,
        box.seal(secret, signingSecretSealing(destinationId)),
      ]);
    await addSecret(oldSecret);

    const before = await deliverOne(connectorId, { n: 1, text: "äöü \u2028 {}" });
    expect(verifies(oldSecret, before)).toBe(true);
    expect(verifies(newSecret, before)).toBe(false);
    expect(JSON.parse(before.body)).toStrictEqual({
      trigger: "transport.messageReceived",
      data: { n: 1, text: "äöü \u2028 {}" },
    });

    // Rotation as api-gateway does it: the old secret expires later, the new one is current.
    await db.query(
      `UPDATE destination_secrets SET expires_at = now() + interval '1 hour' WHERE destination_id = $1`,
      [destinationId],
    );
    await addSecret(newSecret);
    const during = await deliverOne(connectorId, { n: 2 });
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);

    await db.query(
      `UPDATE destination_secrets SET expires_at = now() - interval '1 second'
        WHERE destination_id = $1 AND expires_at IS NOT NULL`,
      [destinationId],
    );
    const after = await deliverOne(connectorId, { n: 3 });
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
  });

  it("keeps the same webhook-id on a retry, and the retry verifies too", async () => {
    const connectorId = "sig-retry";
    const secret = newSigningSecret();
    const flaky = await startHookReceiver();
    let calls = 0;
    flaky.answer(() => ({ status: ++calls === 1 ? 503 : 200 }));
    try {
      const destinationId = await insertDestination(db, {
        config: { url: flaky.url },
        connectorIds: [connectorId],
        retryScheduleSeconds: [1],
      });
      await db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
        destinationId,
        box.seal(secret, signingSecretSealing(destinationId)),
      ]);
      const id = await dispatcher.publish({ connectorId, trigger: "transport.messageReceived" });
      await flaky.waitUntil((r) => r.some((h) => h.status === 200));
      expect(flaky.received.map((h) => h.headers["webhook-id"])).toStrictEqual([id, id]);
      for (const hook of flaky.received) expect(verifies(secret, hook)).toBe(true);
    } finally {
      await flaky.close();
    }
  });
});
