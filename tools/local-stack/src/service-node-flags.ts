import { join } from "node:path";

/**
 * The V8 heap settings every service runs with: here for the local stack (make up, tests,
 * benches), and in each image's CMD (deploy/Dockerfile; test/deploy/dockerfile.test.ts checks
 * that they are the same). Measured with bench/dispatch.bench.ts, most of each service's peak RSS
 * was heap V8 allowed itself, not heap in use: on a large machine V8 sizes the young generation
 * up to 128 MiB and, with a 4 GiB limit, lets the old one grow to twice its live size between
 * collections (webhook-dispatcher: ~350 MiB peak for ~60 MiB live). A 16 MiB semi-space (32 MiB
 * young generation) and a 384 MiB old-space limit (which also makes V8 collect sooner) brought it
 * to ~200 MiB for ~20 % more of its CPU, in GC; 8 MiB and 256 MiB save ~20 MiB more for ~35 %
 * more CPU (README.md, "Memory"). A trade, not a free win: tune it here. The limit stays below the
 * manifests' 512 MiB, so a leak ends in V8's heap out-of-memory error, not a kernel OOM kill.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=16", "--max-old-space-size=384"];

/** `node`'s arguments that start a service from the repository root, as its image does. */
export function serviceNodeArgs(service: string): string[] {
  return [...SERVICE_NODE_FLAGS, join("services", service, "src", "main.ts")];
}
