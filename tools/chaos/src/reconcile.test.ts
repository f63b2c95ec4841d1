import { describe, expect, it } from "vitest";
import type { SentEvent } from "./ingest-load.ts";
import type { Receipt } from "./receipt.ts";
import { isLossFree, reconcile } from "./reconcile.ts";

const accepted = (n: number): SentEvent => ({ dataId: `d${n}`, eventId: `evt_${n}`, status: 202 });
const refused = (n: number, status = 503): SentEvent => ({ dataId: `d${n}`, eventId: undefined, status });
const took = (n: number, atMs: number, overrides: Partial<Receipt> = {}): Receipt => ({
  eventId: `evt_${n}`,
  dataId: `d${n}`,
  isAccepted: true,
  isSignatureValid: true,
  atMs,
  ...overrides,
});

describe("reconcile", () => {
  it("counts every accepted event taken once as delivered, and the last first receipt", () => {
    const result = reconcile([accepted(1), accepted(2)], [took(2, 50), took(1, 70)]);
    expect(result).toMatchObject({ sent: 2, accepted: 2, delivered: 2, lost: 0, duplicates: 0 });
    expect(result.lastFirstReceiptAtMs).toBe(70);
    expect(isLossFree(result)).toBe(true);
  });

  it("counts extra receipts of one event as duplicates, and the first one's time", () => {
    const result = reconcile([accepted(1)], [took(1, 10), took(1, 90), took(1, 95)]);
    expect(result).toMatchObject({ delivered: 1, duplicates: 2, lastFirstReceiptAtMs: 10 });
  });

  it("does not count requests the receiver refused (5xx, 410) as delivered or as duplicates", () => {
    const result = reconcile([accepted(1), accepted(2)], [took(1, 5, { isAccepted: false }), took(2, 6)]);
    expect(result).toMatchObject({ delivered: 1, lost: 1, duplicates: 0, lostDataIds: ["d1"] });
    expect(result.lostEvents).toStrictEqual([{ eventId: "evt_1", dataId: "d1" }]);
    expect(result.missingDataIds).toStrictEqual(["d1"]);
    expect(result.lastFirstReceiptAtMs).toBeUndefined();
    expect(result.lastDeliveredFirstReceiptAtMs).toBe(6);
    expect(isLossFree(result)).toBe(false);
  });

  it("counts refused ingest apart, never as lost, and notes a delivery of an event it refused", () => {
    const result = reconcile([accepted(1), refused(2), refused(3, 0)], [took(1, 1), took(2, 2)]);
    expect(result).toMatchObject({
      sent: 3,
      ingestRefused: 2,
      accepted: 1,
      lost: 0,
      deliveredNotAccepted: 1,
    });
  });

  it("catches data delivered under another event's id: lost by data id, and a mismatch", () => {
    const result = reconcile([accepted(1), accepted(2)], [took(1, 1), took(2, 2, { dataId: "d1" })]);
    expect(result).toMatchObject({ lost: 0, lostByDataId: 1, dataMismatches: 1 });
    expect(isLossFree(result)).toBe(false);
  });

  it("counts signatures that do not verify, and not unchecked ones", () => {
    const result = reconcile(
      [accepted(1), accepted(2), accepted(3)],
      [took(1, 1, { isSignatureValid: false }), took(2, 1, { isSignatureValid: undefined }), took(3, 1)],
    );
    expect(result.invalidSignatures).toBe(1);
  });
});
