import { uniqueName } from "@event-hub/local-stack/test-names";
import { startAmqpObserver } from "./amqp-observer.ts";
import type { ChaosStack, EmulatorRestart } from "./chaos-stack.ts";
import { startFaultReceiver, type FaultReceiver } from "./fault-receiver.ts";
import { expectStatus, type HubApi } from "./hub-api.ts";
import { startIngestLoad, type IngestTarget, type LoadPlan, type SentEvent } from "./ingest-load.ts";
import { explainLosses, type LossEvidence } from "./loss-evidence.ts";
import { readPublishTrace } from "./publish-trace.ts";
import type { ReceiptSource } from "./receipt.ts";
import { isLossFree, reconcile, type Reconciliation } from "./reconcile.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";
import { startScenarioHub, type ScenarioHub } from "./scenario-hub.ts";
import type { ScenarioResult } from "./scenario-result.ts";
import { readStoredEvents } from "./stored-events.ts";
import { waitUntil } from "@event-hub/local-stack/wait-until";

/**
 * One scenario from start to verdict, the same for every fault: a hub of its own, a Connector and
 * one destination registered through api-gateway, the load through ingest while the fault is
 * injected, the operator's recovery if the scenario has one, then waiting until every accepted event
 * has reached the receiver (or the drain timeout), and watching on until the hub has nothing pending
 * so that late duplicates are counted too. The verdict is reconcile(): ingest's answers against the
 * receiver's receipts, nothing the hub says about itself. Only then, for the events lost, the hub's
 * own traces say whose loss each was (loss-evidence.ts): the hub's unless shown to be the emulator's.
 */

const DEFAULT_LOAD: LoadPlan = { count: 500, ratePerSecond: 100, trigger: "transport.messageReceived" };
const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;
/** Watching for late duplicates after the drain: at most this long. */
const SETTLE_LIMIT_MS = 30_000;
/**
 * The destinations' retry schedule: short, so a retried event arrives within the suite's minutes
 * and time to drain measures the hub, not the multi-day default schedule.
 */
const RETRY_SCHEDULE_SECONDS = [1, 2, 4, 8, 15, 30, 60, 120, 300, 600];
const CONNECTOR_BASE_URL = "http://127.0.0.1:9"; // the load posts its events; no syncs needed

export async function runScenario(
  stack: ChaosStack,
  scenario: Scenario,
  logDir: string,
): Promise<ScenarioResult> {
  const startedAtMs = Date.now();
  const notes: string[] = [];
  const note = (line: string): void =>
    void notes.push(`${((Date.now() - startedAtMs) / 1000).toFixed(1)} s ${line}`);
  let manualSteps = 0;
  let hub: ScenarioHub | undefined;
  let target: Target | undefined;
  let sent: SentEvent[] = [];
  let outcome: { reconciliation: Reconciliation; loadEndedAtMs: number } | undefined;
  let error: string | undefined;
  const restarts: EmulatorRestart[] = [];
  try {
    await stack.ensureEmulator();
    if (!stack.postgres.isRunning()) await stack.postgres.startServer();
    hub = await startScenarioHub(stack, scenario.name, logDir, scenario.serviceEnv);
    const connectorId = uniqueName(scenario.name);
    const ingest = await registerConnector(hub.api, connectorId, scenario.title);
    const plan = { ...DEFAULT_LOAD, ...scenario.load };
    target = await createTarget(stack, hub.api, scenario, connectorId, plan.trigger);
    const load = startIngestLoad(ingest, plan, scenario.name);
    const countManualStep = (what: string): void => {
      manualSteps += 1;
      note(`manual step: ${what}`);
    };
    const restartEmulator = async (): Promise<void> => {
      const restart = await stack.restartEmulator();
      restarts.push(restart);
      note(
        `emulator frozen, killed after ${restart.killedAtMs - restart.frozenAtMs} ms, answering again after ${restart.readyAtMs - restart.killedAtMs} ms`,
      );
    };
    const parts = { stack, hub, target, load, startedAtMs, note, countManualStep, restartEmulator };
    const context = contextOf(parts);
    const loaded = await injectUnderLoad(scenario, context, (answered) => (sent = answered));
    await scenario.recover?.(context);
    const reconciliation = await drain(scenario, hub.api, target, sent, note);
    outcome = { reconciliation, loadEndedAtMs: loaded.endedAtMs };
  } catch (failure) {
    error = (failure as Error).message;
    note(`error: ${error}`);
  } finally {
    await hub?.stop().catch((failure: unknown) => note(`stopping the hub: ${(failure as Error).message}`));
    await target?.receipts.close().catch(() => undefined);
  }
  const partial = target && sent.length > 0 ? reconcile(sent, target.receipts.receipts()) : undefined;
  const reconciliation = outcome?.reconciliation ?? partial;
  const lossEvidence =
    hub && reconciliation ? await explain(hub, sent, reconciliation, restarts, note) : undefined;
  return {
    name: scenario.name,
    title: scenario.title,
    reconciliation,
    lossEvidence,
    drainMs: outcome && lossEvidence ? drainMsOf(outcome, lossEvidence) : undefined,
    manualSteps,
    serviceRestarts: hub?.restarts() ?? 0,
    notes: [...notes, ...(hub?.supervisorLines() ?? []).map((line) => `supervisor: ${line}`)],
    ...(error === undefined ? {} : { error }),
    durationMs: Date.now() - startedAtMs,
  };
}

async function registerConnector(api: HubApi, id: string, name: string): Promise<IngestTarget> {
  const body = { id, name, baseUrl: CONNECTOR_BASE_URL };
  const result = await expectStatus(api("POST", "/v1/connectors", body), 201, "registering the Connector");
  return result.ingest as IngestTarget;
}

type ContextParts = Pick<
  ScenarioContext,
  "stack" | "hub" | "load" | "startedAtMs" | "note" | "countManualStep" | "restartEmulator"
> & {
  target: Target;
};

function contextOf({ target, load, ...parts }: ContextParts): ScenarioContext {
  const taken = (): number => target.receipts.receipts().filter((receipt) => receipt.isAccepted).length;
  return {
    ...parts,
    load,
    receiver: target.receiver,
    destinationId: target.destinationId,
    untilAnswered: (count) => waitUntil(() => load.answered() >= count, `${count} ingest answers`, 120_000),
    untilTaken: (count) => waitUntil(() => taken() >= count, `${count} receipts`, 120_000),
  };
}

/** The fault while the load runs; resolves with the load's end once both are over (the fault's error first). */
async function injectUnderLoad(
  scenario: Scenario,
  context: ScenarioContext,
  onAnswered: (sent: SentEvent[]) => void,
): Promise<{ endedAtMs: number }> {
  const injected = scenario.inject(context).then(
    () => undefined,
    (failure: unknown) => failure as Error,
  );
  const loaded = await context.load.finished;
  onAnswered(loaded.sent);
  context.note(
    `load done: ${loaded.sent.length} posted, ingest answered ${JSON.stringify(countByStatus(loaded.sent))}`,
  );
  const injectFailure = await injected;
  if (injectFailure) throw injectFailure;
  context.note("fault over");
  return loaded;
}

/** Waits for every accepted event (or the drain timeout), watches on for late duplicates, reconciles. */
async function drain(
  scenario: Scenario,
  api: HubApi,
  target: Target,
  sent: readonly SentEvent[],
  note: (line: string) => void,
): Promise<Reconciliation> {
  const current = (): Reconciliation => reconcile(sent, target.receipts.receipts());
  await waitUntil(
    () => isLossFree(current()),
    "every accepted event at the receiver",
    scenario.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    250,
  ).catch(() => note("drain timeout: events are missing"));
  await settle(api, target.destinationId, target.receipts);
  if (target.receiver) note(`receiver answered ${JSON.stringify(target.receiver.answeredByStatus())}`);
  return current();
}

/** Whose loss each lost event was, from sync-worker's trace and the dispatcher's table (after the hub stopped). */
async function explain(
  hub: ScenarioHub,
  sent: readonly SentEvent[],
  reconciliation: Reconciliation,
  restarts: readonly EmulatorRestart[],
  note: (line: string) => void,
): Promise<LossEvidence> {
  const storedAtMsByEventId = await readStoredEvents(hub.databaseUrl).catch((failure: unknown) => {
    note(`reading the dispatcher's events: ${(failure as Error).message}`);
    return undefined;
  });
  return explainLosses({
    lostEvents: reconciliation.lostEvents,
    missingDataIds: reconciliation.missingDataIds,
    acceptedEventIds: sent.flatMap((event) => (event.eventId ? [event.eventId] : [])),
    trace: readPublishTrace(hub.syncWorkerLogFile),
    storedAtMsByEventId,
    restarts,
    provisionedOnPid: hub.provisionedOnPid,
  });
}

/**
 * From the last ingest answer to the first receipt of the last accepted event, leaving out those the
 * emulator dropped (they never come); undefined ("not drained") when the hub lost any.
 */
function drainMsOf(
  outcome: { reconciliation: Reconciliation; loadEndedAtMs: number },
  evidence: LossEvidence,
): number | undefined {
  const lastAt = outcome.reconciliation.lastDeliveredFirstReceiptAtMs;
  if (evidence.hubLost > 0 || evidence.hubLostByDataId > 0 || lastAt === undefined) return undefined;
  return Math.max(0, lastAt - outcome.loadEndedAtMs);
}

type Target = { destinationId: string; receipts: ReceiptSource; receiver: FaultReceiver | undefined };

async function createTarget(
  stack: ChaosStack,
  api: HubApi,
  scenario: Scenario,
  connectorId: string,
  trigger: string,
): Promise<Target> {
  const common = {
    triggers: [trigger],
    connectorIds: [connectorId],
    retry: { scheduleSeconds: RETRY_SCHEDULE_SECONDS },
  };
  if (scenario.destination === "amqp") {
    const broker = await stack.rabbitMq();
    const exchange = uniqueName(`chaos-${scenario.name}`);
    const observer = await startAmqpObserver(broker.url, exchange, exchange);
    const created = await expectStatus(
      api("POST", "/v1/webhooks", {
        ...common,
        type: "amqp",
        amqp: { url: broker.url, exchange },
        timeoutMs: 2000,
      }),
      201,
      "creating the AMQP destination",
    );
    return { destinationId: created.id as string, receipts: observer, receiver: undefined };
  }
  const receiver = await startFaultReceiver();
  await receiver.setFault(scenario.initialFault ?? { kind: "healthy" });
  const created = await expectStatus(
    api("POST", "/v1/webhooks", { ...common, url: receiver.url }),
    201,
    "creating the webhook destination",
  );
  receiver.setSigningSecret(created.secret as string);
  return { destinationId: created.id as string, receipts: receiver, receiver };
}

/**
 * Watches on until the hub lists no pending delivery of the destination and no new receipt came for
 * a second: a send a crash interrupted comes again once its lease expires, as a duplicate that counts.
 */
async function settle(api: HubApi, destinationId: string, receipts: ReceiptSource): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let seen = -1;
  while (Date.now() < deadline) {
    const count = receipts.receipts().length;
    const pending = await api(
      "GET",
      `/v1/deliveries?destinationId=${destinationId}&status=pending&limit=1`,
    ).then(
      (answer) => (answer.status === 200 ? (answer.json.result as unknown[]).length : 1),
      () => 0, // api-gateway gone: nothing to wait for
    );
    if (pending === 0 && count === seen) return;
    seen = count;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** `{"202": 490, "0": 10}`: 0 is no answer (connection refused, timeout). */
function countByStatus(sent: readonly SentEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of sent) counts[event.status] = (counts[event.status] ?? 0) + 1;
  return counts;
}
