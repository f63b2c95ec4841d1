import { findFreePort } from "@event-hub/local-stack/free-port";
import { describeUnpatched, startPubSub, type PubSubEmulator } from "@event-hub/local-stack/pubsub-emulator";
import { startOwnPostgres, type OwnPostgres } from "./own-postgres.ts";
import { startOwnRabbitMq, type OwnRabbitMq } from "./own-rabbitmq.ts";

/**
 * What every scenario of one run shares, all of it the suite's own so that a fault never reaches
 * the machine's servers: a Postgres instance (a database per scenario), a Pub/Sub emulator on a
 * fixed free port (restarted there, with its state lost, as a crashed emulator comes back), and a
 * RabbitMQ node, started only when a scenario needs one. Each scenario starts its own services.
 */

export type ChaosStack = {
  postgres: OwnPostgres;
  /** `host:port` of the emulator; the same after a restart. */
  emulatorHost: string;
  projectId: string;
  /** What makes this stack's results less telling (an emulator without its stream-leak patch). */
  warnings: string[];
  /** The running emulator's process id: which instance holds the topics and subscriptions now. */
  emulatorPid(): number | undefined;
  /**
   * Crashes the emulator (every topic, subscription and message goes with it) and starts it on the
   * same port: frozen (SIGSTOP) first, so that it acks nothing after a known instant, then SIGKILL.
   */
  restartEmulator(): Promise<EmulatorRestart>;
  /** The emulator answers (a scenario that failed mid-restart is repaired before the next one). */
  ensureEmulator(): Promise<void>;
  rabbitMq(): Promise<OwnRabbitMq>;
  stop(): Promise<void>;
};

/**
 * One emulator crash, its instants as Date.now(). An ack a publisher read before `killedAtMs` came
 * from the old instance (`oldPid`): the new one is spawned only after. (Not the freeze: an ack the
 * old one sent just before it may still be read after it.)
 */
export type EmulatorRestart = {
  oldPid: number | undefined;
  frozenAtMs: number;
  killedAtMs: number;
  readyAtMs: number;
};

const PROJECT_ID = "hub-chaos";

export async function startChaosStack(env: NodeJS.ProcessEnv = process.env): Promise<ChaosStack> {
  // Never an emulator someone else runs (PUBSUB_EMULATOR_HOST): the suite restarts it.
  const emulatorEnv = { ...env, PUBSUB_EMULATOR_HOST: "" };
  const port = await findFreePort();
  const startEmulator = () => startPubSub({ projectId: PROJECT_ID, port, env: emulatorEnv });
  const [postgres, first] = await Promise.all([startOwnPostgres(env), startEmulator()]);
  if (first.source !== "jar") {
    await Promise.all([postgres.destroy(), first.stop()]);
    throw new Error(
      "the chaos suite needs the emulator jar (java and gcloud's pubsub emulator) to restart it",
    );
  }
  let emulator: PubSubEmulator | undefined = first;
  let rabbitMq: Promise<OwnRabbitMq> | undefined;
  const ensureEmulator = async (): Promise<void> => {
    if (emulator?.child?.isRunning()) return;
    emulator = undefined;
    emulator = await startEmulator();
  };
  return {
    postgres,
    emulatorHost: first.host,
    projectId: PROJECT_ID,
    warnings: first.unpatchedReason ? [describeUnpatched(first.unpatchedReason)] : [],
    emulatorPid: () => (emulator?.child?.isRunning() ? emulator.child.pid : undefined),
    restartEmulator: async () => {
      const child = emulator?.child;
      child?.kill("SIGSTOP");
      const frozenAtMs = Date.now();
      child?.kill("SIGKILL");
      await child?.exited;
      const killedAtMs = Date.now();
      await ensureEmulator();
      return { oldPid: child?.pid, frozenAtMs, killedAtMs, readyAtMs: Date.now() };
    },
    ensureEmulator,
    rabbitMq: () => (rabbitMq ??= startOwnRabbitMq(env)),
    stop: async () => {
      const broker = await rabbitMq?.catch(() => undefined);
      await Promise.allSettled([postgres.destroy(), emulator?.stop(), broker?.destroy()]);
    },
  };
}
