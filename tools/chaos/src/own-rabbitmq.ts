import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startChild, type Child } from "@event-hub/local-stack/child-process";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { findFreePorts, LOOPBACK } from "@event-hub/local-stack/free-port";
import { makeOwnedTempDir } from "./temp-dirs.ts";
import { waitForTcp } from "./wait-for-tcp.ts";

/**
 * A RabbitMQ node of the chaos suite's own, so that the broker can be restarted under the hub
 * without touching the machine's broker: its own node name, AMQP and distribution ports, database
 * (mnesia), logs, config and Erlang cookie, all in a temporary directory; it shares only epmd.
 * The server script comes from `CHAOS_RABBITMQ_SERVER`, else `rabbitmq-server` on PATH. Debian's
 * `rabbitmq-server` on PATH is a wrapper that switches to the `rabbitmq` user and writes the system
 * node's startup log; the script it wraps is used instead (its path is read from the wrapper).
 */

export type OwnRabbitMq = {
  url: string;
  /** SIGTERM (RabbitMQ's orderly stop: durable queues and persistent messages are kept). */
  stopServer(): Promise<void>;
  /** Starts the node again on the same ports and database; resolves once AMQP answers. */
  startServer(): Promise<void>;
  destroy(): Promise<void>;
};

const READY_TIMEOUT_MS = 60_000;

export async function startOwnRabbitMq(env: NodeJS.ProcessEnv = process.env): Promise<OwnRabbitMq> {
  const server = findServerScript(env);
  const baseDir = makeOwnedTempDir("hub-chaos-rabbitmq-");
  const [amqpPort = 0, distPort = 0] = await findFreePorts(2);
  const nodeEnv = nodeEnvironment(env, baseDir, amqpPort, distPort);

  let node: Child | undefined;
  const startServer = async (): Promise<void> => {
    node = await startChild({
      name: "chaos-rabbitmq",
      command: server,
      args: [],
      env: nodeEnv,
      output: { kind: "file", path: join(baseDir, "server.out") },
      stopTimeoutMs: 30_000,
    });
    await waitForTcp(LOOPBACK, amqpPort, READY_TIMEOUT_MS, node);
  };
  const stopServer = async (): Promise<void> => void (await node?.stop());
  await startServer();
  return {
    url: `amqp://guest:guest@${LOOPBACK}:${amqpPort}`,
    stopServer,
    startServer,
    destroy: async () => {
      await stopServer();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

function nodeEnvironment(
  env: NodeJS.ProcessEnv,
  baseDir: string,
  amqpPort: number,
  distPort: number,
): NodeJS.ProcessEnv {
  const config = join(baseDir, "rabbitmq.conf");
  // guest may connect from loopback only, which is where the dispatcher is.
  writeFileSync(config, `listeners.tcp.default = ${LOOPBACK}:${amqpPort}\n`);
  writeFileSync(join(baseDir, "rabbitmq-env.conf"), ""); // not the system node's NODENAME
  writeFileSync(join(baseDir, "enabled_plugins"), "[].\n");
  mkdirSync(join(baseDir, "log"));
  return {
    ...env,
    HOME: baseDir, // the node's Erlang cookie
    RABBITMQ_NODENAME: `hub-chaos-${process.pid}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: LOOPBACK,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(baseDir, "mnesia"),
    RABBITMQ_LOG_BASE: join(baseDir, "log"),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_CONF_ENV_FILE: join(baseDir, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(baseDir, "enabled_plugins"),
    ERL_EPMD_ADDRESS: LOOPBACK,
  };
}

function findServerScript(env: NodeJS.ProcessEnv): string {
  if (env.CHAOS_RABBITMQ_SERVER) return env.CHAOS_RABBITMQ_SERVER;
  const onPath = findExecutable("rabbitmq-server", env);
  if (!onPath)
    throw new Error(
      "The RabbitMQ scenario starts a broker of its own and found no rabbitmq-server: install RabbitMQ " +
        "(apt-get install rabbitmq-server) or set CHAOS_RABBITMQ_SERVER to its server script.",
    );
  // Debian's wrapper: `... su rabbitmq -s /bin/sh -c "/usr/lib/rabbitmq/bin/${SCRIPT} ..."`.
  const wrapped = /(\/\S+)\/\$\{SCRIPT\}/.exec(readFileSync(onPath, "utf8"));
  return wrapped ? join(wrapped[1] ?? "", "rabbitmq-server") : onPath;
}
