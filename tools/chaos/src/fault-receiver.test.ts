import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { startFaultReceiver, type FaultReceiver } from "./fault-receiver.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("the fault receiver", () => {
  let receiver: FaultReceiver;
  afterEach(() => receiver.close());

  const post = async (eventId: string, dataId: string, secret = SECRET): Promise<number> => {
    const body = JSON.stringify({ trigger: "transport.messageReceived", data: { chaosDataId: dataId } });
    const timestamp = new Date();
    const response = await fetch(receiver.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": eventId,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(eventId, timestamp, body),
      },
      body,
    });
    return response.status;
  };

  it("records event id, data id, signature and whether it took each request, per fault", async () => {
    const answers = [0.1, 0.9];
    receiver = await startFaultReceiver(() => answers.shift() ?? 0);
    receiver.setSigningSecret(SECRET);
    expect(await post("evt_1", "d1")).toBe(204);
    await receiver.setFault({ kind: "gone" });
    expect(await post("evt_2", "d2")).toBe(410);
    await receiver.setFault({ kind: "flaky", failureRatio: 0.3 });
    expect([await post("evt_3", "d3"), await post("evt_4", "d4")]).toStrictEqual([503, 204]);
    await receiver.setFault({ kind: "healthy" });
    expect(await post("evt_5", "d5", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).toBe(204);
    expect(receiver.receipts().map(({ atMs: _, ...receipt }) => receipt)).toStrictEqual([
      { eventId: "evt_1", dataId: "d1", isAccepted: true, isSignatureValid: true },
      { eventId: "evt_2", dataId: "d2", isAccepted: false, isSignatureValid: true },
      { eventId: "evt_3", dataId: "d3", isAccepted: false, isSignatureValid: true },
      { eventId: "evt_4", dataId: "d4", isAccepted: true, isSignatureValid: true },
      { eventId: "evt_5", dataId: "d5", isAccepted: true, isSignatureValid: false },
    ]);
    expect(receiver.answeredByStatus()).toStrictEqual({ "204": 3, "410": 1, "503": 1 });
  });

  it("refuses connections while down and answers on the same port when back", async () => {
    receiver = await startFaultReceiver();
    await receiver.setFault({ kind: "down" });
    await expect(post("evt_1", "d1")).rejects.toThrow();
    await receiver.setFault({ kind: "slow", delayMs: 20 });
    expect(await post("evt_2", "d2")).toBe(204);
    expect(receiver.receipts().map((receipt) => receipt.eventId)).toStrictEqual(["evt_2"]);
  });
});
