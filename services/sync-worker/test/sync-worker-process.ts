import { serviceNodeArgs } from "@event-hub/local-stack/service-node-flags";
import { startChild, type Child } from "@event-hub/local-stack/child-process";
import { REPO_ROOT } from "@event-hub/local-stack/services";
import { waitForHttp } from "@event-hub/local-stack/wait-for-http";

/**
 * sync-worker's main.ts as a quiet child process on 127.0.0.1:`port`, returned once /health answers
 * 200. `env` adds to the test's environment and the defaults (log level warn, automations off,
 * loopback allowed by SSRF_ALLOW).
 */
export async function startSyncWorkerProcess(options: {
  name: string;
  port: number;
  env: Record<string, string>;
}): Promise<Child> {
  const child = await startChild({
    name: options.name,
    command: process.execPath,
    args: serviceNodeArgs("sync-worker"),
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      METADATA_SERVER_DETECTION: "none",
      HOST: "127.0.0.1",
      PORT: String(options.port),
      LOG_LEVEL: "warn",
      AUTOMATIONS_ENABLED: "false",
      SSRF_ALLOW: "127.0.0.0/8,::1", // the tests' Connectors listen on loopback
      ...options.env,
    },
    output: { kind: "quiet" },
  });
  const ready = await waitForHttp({
    url: `http://127.0.0.1:${options.port}/health`,
    isReady: (status) => status === 200,
    timeoutMs: 30_000,
    child,
  });
  if (!ready.isReady) throw new Error(`${options.name} did not start:\n${child.outputTail()}`);
  return child;
}
