import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The secrets of a local stack, kept in `.local/secrets.env` (git-ignored, mode 0600): generated
 * once, then reused, so that what the hub sealed with SECRETS_KEY stays readable across `make up`s.
 */

export type LocalSecrets = { SECRETS_KEY: string; ADMIN_API_KEY: string };

const HEADER =
  "# Local secrets of `make up` (generated; never commit). Deleting this file makes sealed secrets unreadable.\n";

/** Reads the file, adds whatever is missing (a fresh key), and writes it back when something was added. */
export function loadLocalSecrets(path: string): { secrets: LocalSecrets; isNew: boolean } {
  const existing = existsSync(path) ? parseEnvFile(readFileSync(path, "utf8")) : {};
  const secrets: LocalSecrets = {
    SECRETS_KEY: existing.SECRETS_KEY ?? randomBytes(32).toString("base64"),
    ADMIN_API_KEY: existing.ADMIN_API_KEY ?? randomBytes(32).toString("base64url"),
  };
  const isNew = existing.SECRETS_KEY === undefined || existing.ADMIN_API_KEY === undefined;
  if (isNew) {
    mkdirSync(dirname(path), { recursive: true });
    const lines = Object.entries({ ...existing, ...secrets }).map(([key, value]) => `${key}=${value}\n`);
    writeFileSync(path, HEADER + lines.join(""), { mode: 0o600 });
  }
  return { secrets, isNew };
}

function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]);
  return Object.fromEntries(entries);
}
