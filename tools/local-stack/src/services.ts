import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild, type Child, type ChildOutput } from "./child-process.ts";
import { findFreePorts, isPortFree, LOOPBACK } from "./free-port.ts";
import { serviceNodeArgs } from "./service-node-flags.ts";
import { describeExit, waitForHttp } from "./wait-for-http.ts";

/**
 * The three services as child processes (`node <SERVICE_NODE_FLAGS> services/<name>/src/main.ts`
 * from the repository root, as their images start them), each ready once `GET /health` answers
 * 200. Started together; stopped in reverse order of the data flow (api-gateway, then
 * webhook-dispatcher, then sync-worker).
 */

export const SERVICE_NAMES = ["sync-worker", "webhook-dispatcher", "api-gateway"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type ServicePorts = Record<ServiceName, number>;

/** What every service reads; `make up` and tests build it. */
export type StackEnv = {
  DATABASE_URL: string;
  PUBSUB_EMULATOR_HOST: string;
  PUBSUB_PROJECT_ID: string;
  /** base64 of 32 random bytes; seals secrets at rest. */
  SECRETS_KEY: string;
  /** api-gateway's bootstrap admin key (at least 30 characters). */
  ADMIN_API_KEY: string;
  LOG_LEVEL?: string;
};

export type StartServicesOptions = {
  env: StackEnv;
  /** Fixed ports (default: api-gateway 8080, sync-worker 8081, webhook-dispatcher 8082) or "free" ones. */
  ports?: Partial<ServicePorts> | "free";
  /** Each service's output goes to `<logDir>/<name>.log`; otherwise prefixed on stdout, or kept quiet. */
  logDir?: string;
  quiet?: boolean;
  /** More variables for every service (they win over `env`). */
  extraEnv?: Record<string, string>;
  /** More variables for one service (they win over `extraEnv`), e.g. one service's LOG_LEVEL. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  readyTimeoutMs?: number;
  /** Where `services/` is; this repository by default (tests use a stand-in). */
  rootDir?: string;
};

export type RunningServices = {
  urls: { apiGateway: string; syncWorker: string; webhookDispatcher: string };
  ports: ServicePorts;
  children(): Record<ServiceName, Child>;
  /** Stops every service (SIGTERM, SIGKILL once its shutdown budget is over), in reverse order. */
  stop(): Promise<void>;
  /** Sends `signal` to one service, e.g. to test what happens when it crashes. */
  kill(name: ServiceName, signal?: NodeJS.Signals): void;
  /** Stops one service (if running) and starts it again on its port, with the same environment. */
  restart(name: ServiceName): Promise<void>;
};

const DEFAULT_PORTS: ServicePorts = {
  "api-gateway": 8080,
  "sync-worker": 8081,
  "webhook-dispatcher": 8082,
};
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STOP_ORDER: readonly ServiceName[] = ["api-gateway", "webhook-dispatcher", "sync-worker"];
/** The services' default SHUTDOWN_TIMEOUT_MS (shared/src/config.ts), and time to exit after it. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8000;
const STOP_MARGIN_MS = 2000;

export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const ports = await choosePorts(options.ports);
  const url = (name: ServiceName): string => `http://${LOOPBACK}:${ports[name]}`;
  const envOf = (name: ServiceName): NodeJS.ProcessEnv => ({
    ...process.env,
    ...options.env,
    LOG_LEVEL: options.env.LOG_LEVEL ?? "info",
    METADATA_SERVER_DETECTION: "none",
    HOST: LOOPBACK,
    PORT: String(ports[name]),
    ...serviceSpecificEnv(name, url("sync-worker")),
    ...options.extraEnv,
    ...options.serviceEnv?.[name],
  });
  const children = {} as Record<ServiceName, Child>;
  const start = async (name: ServiceName): Promise<void> => {
    children[name] = await spawnService(name, envOf(name), options);
    await waitUntilHealthy(name, children[name], url(name), options.readyTimeoutMs);
  };
  const stopOne = async (name: ServiceName): Promise<void> => void (await children[name]?.stop());
  const stop = async (): Promise<void> => {
    for (const name of STOP_ORDER) await stopOne(name);
  };

  try {
    await Promise.all(SERVICE_NAMES.map(start)); // the first failure wins; the others are stopped
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    urls: {
      apiGateway: url("api-gateway"),
      syncWorker: url("sync-worker"),
      webhookDispatcher: url("webhook-dispatcher"),
    },
    ports,
    children: () => ({ ...children }),
    stop,
    kill: (name, signal = "SIGKILL") => children[name]?.kill(signal),
    restart: async (name) => {
      await stopOne(name);
      await start(name);
    },
  };
}

/**
 * Loopback, which every service's SSRF policy refuses by default: a local stack's webhook receivers
 * and Connectors (simulated or real) listen there.
 */
export const LOCAL_SSRF_ALLOW = "127.0.0.0/8,::1";

function serviceSpecificEnv(name: ServiceName, syncWorkerUrl: string): Record<string, string> {
  switch (name) {
    case "api-gateway":
      return { INGEST_BASE_URL: syncWorkerUrl, SSRF_ALLOW: LOCAL_SSRF_ALLOW }; // Core API proxy
    case "webhook-dispatcher":
      return { SSRF_ALLOW: LOCAL_SSRF_ALLOW }; // webhook receivers, token endpoints, brokers
    case "sync-worker":
      return { SSRF_ALLOW: LOCAL_SSRF_ALLOW }; // syncs and automations
  }
}

function spawnService(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  options: StartServicesOptions,
): Promise<Child> {
  return startChild({
    name,
    command: process.execPath,
    args: serviceNodeArgs(name),
    cwd: options.rootDir ?? REPO_ROOT,
    env,
    output: outputFor(name, options),
    stopTimeoutMs: stopTimeoutMs(env),
  });
}

/** A SIGKILL only after the service's own shutdown budget (SHUTDOWN_TIMEOUT_MS) had its chance. */
function stopTimeoutMs(env: NodeJS.ProcessEnv): number {
  const budgetMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
  return (Number.isFinite(budgetMs) ? budgetMs : DEFAULT_SHUTDOWN_TIMEOUT_MS) + STOP_MARGIN_MS;
}

async function waitUntilHealthy(
  name: ServiceName,
  child: Child,
  url: string,
  timeoutMs = 30_000,
): Promise<void> {
  const ready = await waitForHttp({
    url: `${url}/health`,
    isReady: (status) => status === 200,
    timeoutMs,
    child,
  });
  if (ready.isReady) return;
  await child.stop();
  const what =
    ready.reason === "exited"
      ? describeExit(ready.exit)
      : `gave no 200 within ${ready.waitedMs} ms (${ready.lastProblem})`;
  throw new Error(
    `${name} did not become healthy at ${url}/health: it ${what}. Its last output:\n${child.outputTail()}`,
  );
}

function outputFor(name: ServiceName, options: StartServicesOptions): ChildOutput {
  if (options.logDir) return { kind: "file", path: join(options.logDir, `${name}.log`) };
  return options.quiet ? { kind: "quiet" } : { kind: "prefix" };
}

async function choosePorts(ports: StartServicesOptions["ports"]): Promise<ServicePorts> {
  if (ports === "free") {
    const [a = 0, b = 0, c = 0] = await findFreePorts(3);
    return { "api-gateway": a, "sync-worker": b, "webhook-dispatcher": c };
  }
  const chosen = { ...DEFAULT_PORTS, ...ports };
  for (const name of SERVICE_NAMES) {
    if (!(await isPortFree(chosen[name]))) {
      throw new Error(
        `Port ${chosen[name]} for ${name} is taken: stop what listens there (another make up?) or choose other ports.`,
      );
    }
  }
  return chosen;
}
