import type { EmulatorRestart } from "./chaos-stack.ts";
import type { PublishAck, PublishTrace } from "./publish-trace.ts";

/**
 * Why each lost event was lost, pure. The receiver alone decides *whether* an event was lost
 * (reconcile.ts); this only decides whose loss it is, and by default it is the hub's. A lost event is
 * "dropped by the emulator" only when all of this is shown:
 * 1. sync-worker's debug trace is there (publish-trace.ts) and logged Pub/Sub acks for the event;
 * 2. every ack was read before the emulator was killed, and that emulator is the one the scenario's
 *    topic and subscriptions were created on before any service started: the old emulator acked it,
 *    and had the subscription it belonged in. (An event acked at ingest never enters the outbox, so
 *    it was published nowhere else; an ack read after the kill may be the new emulator's.)
 * 3. the dispatcher never stored it (stored-events.ts): it acks only after storing, so the message
 *    was still owed by the emulator, in it or on its way, when the emulator died.
 * Real Pub/Sub keeps an acked message until a subscriber acks it; the emulator keeps nothing across
 * a restart. That loss belongs to the test double, and it does not fail the run.
 */

export type LossCause = "lost (hub)" | "dropped by emulator";

export type LostEvent = { eventId: string; dataId: string };

export type LostEventEvidence = LostEvent & {
  cause: LossCause;
  /** The rule it met or the first one it failed. */
  why: string;
  acks: Array<{ at: string; via: PublishAck["via"]; messageId?: string }>;
  storedInOutboxAt?: string;
  storedByDispatcherAt?: string;
};

/** What the freeze saw: how far the dispatcher was behind Pub/Sub when the emulator froze. */
export type EmulatorRestartCounts = {
  frozenAt: string;
  killedAt: string;
  readyAt: string;
  isScenarioEmulator: boolean;
  /** Accepted events sync-worker read an ack for before the kill. */
  ackedByOldEmulator: number;
  /** Of those, stored by the dispatcher before the freeze. */
  storedBeforeFreeze: number;
  /** Of those, not stored yet at the freeze: in the emulator or on their way to the dispatcher. */
  notStoredAtFreeze: number;
  /** Of the not stored ones, stored after the freeze (they had reached the dispatcher). */
  storedAfterFreeze: number;
  /** Of the not stored ones, never stored. */
  neverStored: number;
};

export type LossEvidence = {
  /** Lost events not shown to be the emulator's (the run fails on them). */
  hubLost: number;
  /** Missing data ids that are not a dropped event's. */
  hubLostByDataId: number;
  droppedByEmulator: number;
  lostEvents: LostEventEvidence[];
  emulatorRestarts: EmulatorRestartCounts[];
};

export type LossEvidenceInput = {
  lostEvents: readonly LostEvent[];
  /** Data ids ingest accepted that the receiver never took under any event id. */
  missingDataIds: readonly string[];
  acceptedEventIds: readonly string[];
  trace: PublishTrace;
  /** The dispatcher's `events` rows (stored_at), or undefined when they could not be read. */
  storedAtMsByEventId: ReadonlyMap<string, number> | undefined;
  restarts: readonly EmulatorRestart[];
  /** The emulator the scenario's Pub/Sub layout was provisioned on before the services started. */
  provisionedOnPid: number | undefined;
};

export function explainLosses(input: LossEvidenceInput): LossEvidence {
  const scenarioRestart = input.restarts.find(
    (restart) => restart.oldPid !== undefined && restart.oldPid === input.provisionedOnPid,
  );
  const lostEvents = input.lostEvents.map((event) => explainOne(event, input, scenarioRestart));
  const dropped = lostEvents.filter((event) => event.cause === "dropped by emulator");
  const droppedDataIds = new Set(dropped.map((event) => event.dataId));
  return {
    hubLost: lostEvents.length - dropped.length,
    hubLostByDataId: input.missingDataIds.filter((dataId) => !droppedDataIds.has(dataId)).length,
    droppedByEmulator: dropped.length,
    lostEvents,
    emulatorRestarts: input.restarts.map((restart) =>
      countAtFreeze(restart, restart === scenarioRestart, input),
    ),
  };
}

function explainOne(
  event: LostEvent,
  input: LossEvidenceInput,
  restart: EmulatorRestart | undefined,
): LostEventEvidence {
  const acks = input.trace.acksByEventId.get(event.eventId) ?? [];
  const outboxAtMs = input.trace.outboxAtMsByEventId.get(event.eventId);
  const storedAtMs = input.storedAtMsByEventId?.get(event.eventId);
  const evidence = {
    ...event,
    acks: acks.map((ack) => ({
      at: iso(ack.atMs),
      via: ack.via,
      ...(ack.messageId ? { messageId: ack.messageId } : {}),
    })),
    ...(outboxAtMs === undefined ? {} : { storedInOutboxAt: iso(outboxAtMs) }),
    ...(storedAtMs === undefined ? {} : { storedByDispatcherAt: iso(storedAtMs) }),
  };
  const hub = (why: string): LostEventEvidence => ({ ...evidence, cause: "lost (hub)", why });
  if (!input.trace.hasDebugLines)
    return hub("no debug trace from sync-worker: its way into Pub/Sub is unknown");
  if (!restart) return hub("no emulator holding the scenario's subscriptions was killed");
  if (acks.length === 0) return hub("sync-worker logged no Pub/Sub ack for it");
  const late = acks.find((ack) => ack.atMs >= restart.killedAtMs);
  if (late) return hub(`acked at ${iso(late.atMs)}, after the old emulator was killed: maybe by the new one`);
  if (!input.storedAtMsByEventId) return hub("the dispatcher's events could not be read");
  if (storedAtMs !== undefined) return hub("the dispatcher stored it: lost after it left Pub/Sub");
  const lastAck = acks[acks.length - 1] as PublishAck;
  return {
    ...evidence,
    cause: "dropped by emulator",
    why:
      `acked by the old emulator (pid ${restart.oldPid}) at ${iso(lastAck.atMs)} via ${lastAck.via}, ` +
      `before it was frozen (${iso(restart.frozenAtMs)}) and killed (${iso(restart.killedAtMs)}); ` +
      "the dispatcher never stored it, so never acked it",
  };
}

function countAtFreeze(
  restart: EmulatorRestart,
  isScenarioEmulator: boolean,
  input: LossEvidenceInput,
): EmulatorRestartCounts {
  const stored = input.storedAtMsByEventId ?? new Map<string, number>();
  const acked = input.acceptedEventIds.filter((eventId) =>
    (input.trace.acksByEventId.get(eventId) ?? []).some((ack) => ack.atMs < restart.killedAtMs),
  );
  const storedAt = (eventId: string): number | undefined => stored.get(eventId);
  const storedBeforeFreeze = acked.filter((id) => (storedAt(id) ?? Infinity) < restart.frozenAtMs);
  const notStored = acked.filter((id) => !((storedAt(id) ?? Infinity) < restart.frozenAtMs));
  const storedAfter = notStored.filter((id) => storedAt(id) !== undefined);
  return {
    frozenAt: iso(restart.frozenAtMs),
    killedAt: iso(restart.killedAtMs),
    readyAt: iso(restart.readyAtMs),
    isScenarioEmulator,
    ackedByOldEmulator: acked.length,
    storedBeforeFreeze: storedBeforeFreeze.length,
    notStoredAtFreeze: notStored.length,
    storedAfterFreeze: storedAfter.length,
    neverStored: notStored.length - storedAfter.length,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
