import type { ChaosStack } from "./chaos-stack.ts";
import type { FaultReceiver, ReceiverFault } from "./fault-receiver.ts";
import type { LoadPlan, RunningLoad } from "./ingest-load.ts";
import type { ScenarioHub } from "./scenario-hub.ts";

/**
 * One fault, as a scenario file describes it: the load it runs under, where events go, the fault
 * injected while the load runs, and the operator's documented recovery step if the fault needs one.
 * The runner (run-scenario.ts) does the rest the same way for all: stack, load, drain, verdict.
 */
export type Scenario = {
  /** kebab-case, for `make chaos ONLY=…` and file names. */
  name: string;
  /** The table's row. */
  title: string;
  /** Run in `make test` too (quick and needs nothing beyond the test stack). */
  isQuick?: boolean;
  /** `webhook` (default): the fault receiver; `amqp`: the suite's RabbitMQ and a queue observer. */
  destination?: "webhook" | "amqp";
  load?: Partial<LoadPlan>;
  /** How the receiver answers from the start (default healthy). */
  initialFault?: ReceiverFault;
  /** More variables for every service. */
  serviceEnv?: Record<string, string>;
  /** The fault, while the load runs; resolves once it is over (the broken part back or replaced). */
  inject(context: ScenarioContext): Promise<void>;
  /** After the load: what the operator does (each API call beyond the documented one is a manual step). */
  recover?(context: ScenarioContext): Promise<void>;
  /** How long after the load (and recovery) the accepted events may take to arrive; default 60 s. */
  drainTimeoutMs?: number;
};

export type ScenarioContext = {
  stack: ChaosStack;
  hub: ScenarioHub;
  /** The webhook receiver (undefined for AMQP scenarios). */
  receiver: FaultReceiver | undefined;
  destinationId: string;
  load: RunningLoad;
  /** When the scenario started (Date.now()), e.g. as `since` for recover. */
  startedAtMs: number;
  /** A line for the JSON results (fault times, answers). */
  note(line: string): void;
  /** An API call or action an operator needed beyond the documented recovery. */
  countManualStep(what: string): void;
  /**
   * Crashes the emulator (frozen, killed, started again on its port, state lost) and keeps the
   * instants for loss-evidence.ts: use this, not `stack.restartEmulator()`.
   */
  restartEmulator(): Promise<void>;
  /** Resolves once ingest has answered `count` events of the load. */
  untilAnswered(count: number): Promise<void>;
  /** Resolves once the receiver has taken (2xx) `count` requests. */
  untilTaken(count: number): Promise<void>;
};
