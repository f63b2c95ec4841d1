import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Certificate = { key: string; cert: string };

/**
 * A throwaway self-signed certificate for 127.0.0.1, made with the `openssl` CLI (node:crypto
 * cannot issue X.509 certificates). Returns a reason instead when openssl is not available.
 */
export function makeSelfSignedCertificate(): Certificate | { unavailable: string } {
  const directory = mkdtempSync(join(tmpdir(), "connector-sim-tls-"));
  try {
    const result = spawnSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", join(directory, "key.pem"), "-out", join(directory, "cert.pem")],
        ...["-subj", "/CN=localhost", "-days", "1", "-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { encoding: "utf8" },
    );
    if (result.error) return { unavailable: `openssl is not on PATH (${result.error.message})` };
    if (result.status !== 0) return { unavailable: `openssl failed: ${result.stderr.trim()}` };
    return {
      key: readFileSync(join(directory, "key.pem"), "utf8"),
      cert: readFileSync(join(directory, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
