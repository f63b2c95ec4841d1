import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { provisionEmulator } from "@event-hub/local-stack/hub-pubsub";
import { startServices, type RunningServices, type ServiceName } from "@event-hub/local-stack/services";
import { superviseServices, type ServiceSupervision } from "@event-hub/local-stack/stack-supervision";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { ChaosStack } from "./chaos-stack.ts";
import { createHubApi, type HubApi } from "./hub-api.ts";

/**
 * The three services of one scenario, on a database and topic of its own, with their default
 * settings (an operator's), each log in `<logDir>/<service>.log`. A supervisor restarts a service
 * that dies, with `make up`'s backoff, as Kubernetes would; how often it had to is part of the result.
 */

export type ScenarioHub = {
  services: RunningServices;
  api: HubApi;
  /** The scenario's own database (the dispatcher's `events` table tells which events it stored). */
  databaseUrl: string;
  /** sync-worker's log, at debug: which events Pub/Sub acked and when (publish-trace.ts). */
  syncWorkerLogFile: string;
  /** The emulator (process id) the scenario's topic and subscriptions were created on, before any service started. */
  provisionedOnPid: number | undefined;
  /** Creates the scenario's topics and subscriptions that are missing, as make up does after an emulator restart. */
  provisionPubSub(): Promise<void>;
  /** Restarts one service now (the supervisor's restart, not a crash), waiting until it is healthy. */
  restart(name: ServiceName): Promise<void>;
  /** Restarts after a service died, so far. */
  restarts(): number;
  supervisorLines(): readonly string[];
  stop(): Promise<void>;
};

/** Kubernetes' CrashLoopBackOff, scaled down as `make up` does, but capped low: a scenario is short. */
const RESTART_POLICY = { initialMs: 1000, maxMs: 8000, resetAfterMs: 60_000 };

export async function startScenarioHub(
  stack: ChaosStack,
  scenarioName: string,
  logDir: string,
  extraEnv: Record<string, string> = {},
): Promise<ScenarioHub> {
  const databaseUrl = await stack.postgres.createDatabase(uniqueName(scenarioName).replaceAll("-", "_"));
  const adminKey = `admin-${randomBytes(24).toString("base64url")}`;
  const pubsubNames = {
    PUBSUB_TOPIC: uniqueName(`${scenarioName}-events`),
    PUBSUB_SUBSCRIPTION: uniqueName(`${scenarioName}-dispatcher`),
  };
  const emulator = { host: stack.emulatorHost, projectId: stack.projectId };
  const provisionPubSub = async (): Promise<void> => void (await provisionEmulator(emulator, pubsubNames));
  await provisionPubSub(); // before any service starts, as make up does
  const provisionedOnPid = stack.emulatorPid();
  const serviceLogDir = join(logDir, scenarioName);
  const services = await startServices({
    env: {
      DATABASE_URL: databaseUrl,
      PUBSUB_EMULATOR_HOST: stack.emulatorHost,
      PUBSUB_PROJECT_ID: stack.projectId,
      SECRETS_KEY: randomBytes(32).toString("base64"),
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: "info",
    },
    extraEnv: { ...pubsubNames, ...extraEnv },
    // sync-worker at debug logs each event Pub/Sub acked: the evidence of whose loss a loss is.
    serviceEnv: { "sync-worker": { LOG_LEVEL: "debug" } },
    ports: "free",
    logDir: serviceLogDir,
  });
  const lines: string[] = [];
  const supervision: ServiceSupervision = superviseServices(services, {
    policy: RESTART_POLICY,
    log: (line) => lines.push(line.trim()),
  });
  return {
    services,
    api: createHubApi(services.urls.apiGateway, adminKey),
    databaseUrl,
    syncWorkerLogFile: join(serviceLogDir, "sync-worker.log"),
    provisionedOnPid,
    provisionPubSub,
    restart: (name) => supervision.restart(name),
    restarts: () => lines.filter((line) => / restarting it in /.test(line)).length,
    supervisorLines: () => lines,
    stop: async () => {
      await supervision.stop();
      await services.stop();
    },
  };
}
