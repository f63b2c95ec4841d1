import type { Child, ChildExit } from "./child-process.ts";

export type WaitForHttpOptions = {
  url: string;
  isReady: (status: number, body: string) => boolean;
  timeoutMs: number;
  /** The process expected to answer: when it exits, waiting stops at once. */
  child?: Child;
  intervalMs?: number;
};

export type WaitForHttpResult =
  | { isReady: true; waitedMs: number }
  | { isReady: false; reason: "timeout"; waitedMs: number; lastProblem: string }
  | { isReady: false; reason: "exited"; waitedMs: number; exit: ChildExit };

/** Polls GET `url` until `isReady` accepts the answer, the child exits, or the time is up. */
export async function waitForHttp(options: WaitForHttpOptions): Promise<WaitForHttpResult> {
  const startedAt = performance.now();
  const waited = (): number => Math.round(performance.now() - startedAt);
  let exit: ChildExit | undefined;
  void options.child?.exited.then((result) => (exit = result));
  let lastProblem = "no answer yet";

  while (waited() < options.timeoutMs) {
    if (exit) return { isReady: false, reason: "exited", waitedMs: waited(), exit };
    try {
      const response = await fetch(options.url, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (options.isReady(response.status, body)) return { isReady: true, waitedMs: waited() };
      lastProblem = `answered ${response.status}`;
    } catch (error) {
      lastProblem = describeFetchError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  if (exit) return { isReady: false, reason: "exited", waitedMs: waited(), exit };
  return { isReady: false, reason: "timeout", waitedMs: waited(), lastProblem };
}

/** "exited with code 1" / "was killed by SIGKILL", for error messages. */
export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
