import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isProcessAlive } from "@event-hub/local-stack/child-process";

/**
 * Temporary directories of the suite's servers, named `<prefix><pid>-<random>` after the process
 * that owns them: a run killed with SIGKILL cannot remove its own, so each run first removes those
 * whose process is gone (never another live run's: two runs may share the machine).
 */
export function makeOwnedTempDir(prefix: string): string {
  removeAbandonedTempDirs(prefix);
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

function removeAbandonedTempDirs(prefix: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid))
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
