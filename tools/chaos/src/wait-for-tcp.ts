import { connect } from "node:net";
import type { Child } from "@event-hub/local-stack/child-process";

/** Resolves once `host:port` accepts a TCP connection; rejects when `child` exits or time is up. */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  child?: Child,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isAccepting(host, port))) {
    if (child && !child.isRunning())
      throw new Error(`${child.name} exited before ${host}:${port} answered:\n${child.outputTail()}`);
    if (Date.now() > deadline) throw new Error(`nothing answered at ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function isAccepting(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
