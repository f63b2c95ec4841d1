import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("./migrate-cli.ts", import.meta.url));

function runCli(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe("migrate-cli without a database", () => {
  it("exits 1 with one line when DATABASE_URL is missing", async () => {
    const { DATABASE_URL: _unset, ...env } = process.env;
    expect(await runCli(env)).toStrictEqual({
      code: 1,
      stdout: "",
      stderr: "migrate: DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/hub)\n",
    });
  });

  it("exits 1 naming the address, not the password, when Postgres is unreachable", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    await new Promise((resolve) => server.close(resolve));
    if (address === null || typeof address === "string") throw new Error("no port");
    const url = `postgres://hub:hunter2@127.0.0.1:${address.port}/hub`;
    expect(await runCli({ ...process.env, DATABASE_URL: url })).toStrictEqual({
      code: 1,
      stdout: "",
      stderr: `migrate: cannot reach Postgres at 127.0.0.1:${address.port}/hub (ECONNREFUSED)\n`,
    });
  });
});
