import { describe, expect, it } from "vitest";
import { allManifestFiles, configOf, readText, SERVICES } from "./deploy-files.ts";

const secretNames = new Set(
  SERVICES.flatMap((service) =>
    configOf(service)
      .filter((r) => r.secret)
      .map((r) => r.name),
  ),
);

/** Every `{ name, value }` pair anywhere in a parsed document. */
function namedValues(node: unknown): { name: string; value: unknown }[] {
  if (Array.isArray(node)) return node.flatMap(namedValues);
  if (node === null || typeof node !== "object") return [];
  const record = node as Record<string, unknown>;
  const own =
    typeof record.name === "string" && "value" in record ? [{ name: record.name, value: record.value }] : [];
  return [...own, ...Object.values(record).flatMap(namedValues)];
}

describe("no secret value in a manifest", () => {
  const files = allManifestFiles();

  it.each(files.map((file) => file.path))("%s writes no secret", (path) => {
    const file = files.find((candidate) => candidate.path === path);
    for (const manifest of file?.documents ?? []) {
      expect(manifest.kind, "no Secret objects: secrets come from Secret Manager or kubectl").not.toBe(
        "Secret",
      );
      for (const key of Object.keys(manifest.data ?? {})) expect(secretNames.has(key), key).toBe(false);
      for (const pair of namedValues(manifest)) {
        expect(
          secretNames.has(pair.name) && pair.value !== undefined,
          `${pair.name} has a literal value`,
        ).toBe(false);
      }
    }
    const text = readText(path);
    expect(text, "a connection string with a password").not.toMatch(/\w+:\/\/[^\s/:@]+:[^\s/@]+@/);
    expect(text, "a private key").not.toMatch(/PRIVATE KEY/);
    expect(text, "what looks like a 32-byte base64 key").not.toMatch(/\b[A-Za-z0-9+/]{43}=/);
  });

  it("knows the secret variables of every service", () => {
    expect([...secretNames].sort()).toEqual([
      "ADMIN_API_KEY",
      "DATABASE_URL",
      "SECRETS_KEY",
      "SECRETS_KEY_PREVIOUS",
    ]);
  });
});
