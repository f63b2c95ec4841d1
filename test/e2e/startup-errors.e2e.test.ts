import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, SERVICE_NAMES } from "@event-hub/local-stack/services";

type Exit = { code: number | null; stderr: string };

/** Starts a service's main.ts with exactly `env` (plus PATH) and waits for it to exit. */
function startWith(service: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`services/${service}/src/main.ts`],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

const validEnv = {
  SECRETS_KEY: randomBytes(32).toString("base64"),
  ADMIN_API_KEY: randomBytes(32).toString("base64url"),
  PUBSUB_PROJECT_ID: "hub-test",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:1",
  METADATA_SERVER_DETECTION: "none",
};

describe.each(SERVICE_NAMES)("%s start-up", (service) => {
  it("stops with one line naming a missing required variable", async () => {
    const exit = await startWith(service, validEnv);
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
    expect(exit.stderr).toContain("DATABASE_URL");
  });

  it("stops with one line naming an unreachable Postgres, without its password", async () => {
    const exit = await startWith(service, {
      ...validEnv,
      DATABASE_URL: "postgres://hub:s3cret@127.0.0.1:1/hub",
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
    expect(exit.stderr).toContain("127.0.0.1:1/hub");
    expect(exit.stderr).not.toContain("s3cret");
  });

  it("stops with one line naming a malformed variable", async () => {
    const exit = await startWith(service, {
      ...validEnv,
      DATABASE_URL: "postgres://127.0.0.1:1/hub",
      PORT: "eighty",
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
    expect(exit.stderr).toContain("PORT");
  });
});
