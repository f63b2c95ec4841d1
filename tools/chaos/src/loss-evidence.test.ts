import { describe, expect, it } from "vitest";
import type { EmulatorRestart } from "./chaos-stack.ts";
import { explainLosses, type LossEvidenceInput } from "./loss-evidence.ts";
import type { PublishAck, PublishTrace } from "./publish-trace.ts";

// The old emulator (pid 41) froze at 1000 and died at 1010; the new one answered at 3000.
const RESTART: EmulatorRestart = { oldPid: 41, frozenAtMs: 1000, killedAtMs: 1010, readyAtMs: 3000 };
const ingestAck = (atMs: number): PublishAck => ({ atMs, via: "ingest", messageId: "7" });

const input = (overrides: Partial<LossEvidenceInput> = {}): LossEvidenceInput => ({
  lostEvents: [{ eventId: "evt_1", dataId: "d1" }],
  missingDataIds: ["d1"],
  acceptedEventIds: ["evt_1"],
  trace: trace({ evt_1: [ingestAck(990)] }),
  storedAtMsByEventId: new Map(),
  restarts: [RESTART],
  provisionedOnPid: 41,
  ...overrides,
});

function trace(acks: Record<string, PublishAck[]>, hasDebugLines = true): PublishTrace {
  return { acksByEventId: new Map(Object.entries(acks)), outboxAtMsByEventId: new Map(), hasDebugLines };
}

describe("explainLosses", () => {
  it("calls an event the emulator's drop when the old emulator acked it and the dispatcher never stored it", () => {
    const evidence = explainLosses(input());
    expect(evidence).toMatchObject({ hubLost: 0, hubLostByDataId: 0, droppedByEmulator: 1 });
    expect(evidence.lostEvents[0]).toMatchObject({ cause: "dropped by emulator", acks: [{ via: "ingest" }] });
  });

  it("still calls it the old emulator's when the ack was read after the freeze but before the kill", () => {
    const evidence = explainLosses(input({ trace: trace({ evt_1: [ingestAck(1005)] }) }));
    expect(evidence.droppedByEmulator).toBe(1);
  });

  // Each row breaks one link of the proof: the loss is then the hub's.
  it.each<[string, Partial<LossEvidenceInput>, RegExp]>([
    ["no debug trace", { trace: trace({}, false) }, /no debug trace/],
    ["no restart", { restarts: [] }, /no emulator .* was killed/],
    ["a restart of another emulator than the scenario's", { provisionedOnPid: 40 }, /no emulator/],
    ["no ack logged (outbox, never relayed)", { trace: trace({}) }, /no Pub\/Sub ack/],
    [
      "an ack read after the kill",
      { trace: trace({ evt_1: [ingestAck(990), ingestAck(1010)] }) },
      /after the old emulator was killed/,
    ],
    ["stored by the dispatcher", { storedAtMsByEventId: new Map([["evt_1", 995]]) }, /dispatcher stored it/],
    ["the dispatcher's table unreadable", { storedAtMsByEventId: undefined }, /could not be read/],
  ])("counts it as the hub's loss with %s", (_case, overrides, why) => {
    const evidence = explainLosses(input(overrides));
    expect(evidence).toMatchObject({ hubLost: 1, hubLostByDataId: 1, droppedByEmulator: 0 });
    expect(evidence.lostEvents[0]?.cause).toBe("lost (hub)");
    expect(evidence.lostEvents[0]?.why).toMatch(why);
  });

  it("keeps a data id missing under no dropped event as the hub's", () => {
    const evidence = explainLosses(input({ missingDataIds: ["d1", "d9"] }));
    expect(evidence).toMatchObject({ hubLost: 0, hubLostByDataId: 1, droppedByEmulator: 1 });
  });

  it("counts how far the dispatcher was behind when the emulator froze", () => {
    const acked = ["evt_a", "evt_b", "evt_c", "evt_d"];
    const evidence = explainLosses(
      input({
        lostEvents: [{ eventId: "evt_d", dataId: "dd" }],
        missingDataIds: ["dd"],
        acceptedEventIds: [...acked, "evt_late"],
        trace: trace({
          evt_a: [ingestAck(100)],
          evt_b: [ingestAck(200)],
          evt_c: [ingestAck(900)],
          evt_d: [ingestAck(950)],
          evt_late: [{ atMs: 3500, via: "relay" }],
        }),
        storedAtMsByEventId: new Map([
          ["evt_a", 150],
          ["evt_b", 250],
          ["evt_c", 1002], // pulled before the freeze, stored after it
          ["evt_late", 3600],
        ]),
      }),
    );
    expect(evidence.emulatorRestarts).toStrictEqual([
      {
        frozenAt: new Date(1000).toISOString(),
        killedAt: new Date(1010).toISOString(),
        readyAt: new Date(3000).toISOString(),
        isScenarioEmulator: true,
        ackedByOldEmulator: 4,
        storedBeforeFreeze: 2,
        notStoredAtFreeze: 2,
        storedAfterFreeze: 1,
        neverStored: 1,
      },
    ]);
    expect(evidence.droppedByEmulator).toBe(1);
  });
});
