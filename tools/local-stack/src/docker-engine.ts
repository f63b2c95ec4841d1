import { execFile } from "node:child_process";

export type DockerEngine =
  { isAnswering: true; serverVersion: string } | { isAnswering: false; reason: string };

let cached: Promise<DockerEngine> | undefined;

/**
 * Whether a Docker engine answers `docker info` (the condition for the testcontainers fallbacks).
 * Asked once per process: without an engine the client still takes a second or two to give up.
 */
export function detectDockerEngine(): Promise<DockerEngine> {
  cached ??= new Promise((resolve) => {
    execFile(
      "docker",
      ["info", "--format", "{{.ServerVersion}}"],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ isAnswering: true, serverVersion: stdout.trim() });
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === "ENOENT" ? "no docker client on PATH" : firstLine(stderr) || error.message;
        resolve({ isAnswering: false, reason });
      },
    );
  });
  return cached;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}
