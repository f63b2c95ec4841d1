import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { ROOT } from "./deploy-files.ts";

// `terraform fmt` parses every file offline (validate and plan need the Google provider, which
// cannot be downloaded here). Runs where a terraform binary is on PATH.
const terraform = findExecutable("terraform");

describe("deploy/terraform with the terraform binary", () => {
  it.skipIf(!terraform)("parses and is formatted as terraform fmt writes it", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(terraform ?? "terraform", ["fmt", "-check", "-diff", "-recursive"], {
      cwd: join(ROOT, "deploy", "terraform"),
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`terraform fmt -check failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    });
    expect(stdout).toBe("");
  });
});
