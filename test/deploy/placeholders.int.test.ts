import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { listFiles, readText, ROOT } from "./deploy-files.ts";

// Runs the README's placeholder command on a copy of the manifests, as an operator would on their
// fork: every placeholder replaced, nothing else (variable names like PUBSUB_PROJECT_ID) touched.
const perl = findExecutable("perl");
const bash = findExecutable("bash");
const VALUES = {
  PROJECT_ID: "acme-hub",
  PROJECT_NUMBER: "123456789012",
  REGION: "europe-west3",
  API_HOST: "api.hub.acme.org",
  INGEST_HOST: "ingest.hub.acme.org",
};
const PLACEHOLDER = /\b(PROJECT_ID|PROJECT_NUMBER|REGION)\b|\b(api|ingest)\.example\.com\b/;

/** Every mapping key and every `name:` value of a YAML text: what a replacement must not change. */
function namesOf(text: string): string[] {
  const names: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        names.push(key);
        if (key === "name" && typeof child === "string") names.push(`name=${child}`);
        walk(child);
      }
    }
  };
  for (const document of parseAllDocuments(text)) walk(document.toJS());
  return names;
}

describe.skipIf(!perl || !bash)("the README's placeholder command (skipped without perl and bash)", () => {
  const work = mkdtempSync(join(tmpdir(), "hub-placeholders-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const files = [...listFiles("deploy/k8s", ".yaml"), ...listFiles("deploy/cloudrun", ".yaml")];

  it("replaces every placeholder in the manifests and changes no key or name", async () => {
    for (const dir of ["deploy/k8s", "deploy/cloudrun"]) {
      cpSync(join(ROOT, dir), join(work, dir), { recursive: true });
    }
    const command = readText("deploy/README.md")
      .split("\n")
      .find((line) => line.startsWith("find deploy/k8s deploy/cloudrun"));
    expect(command, "the README's find … perl line").toBeDefined();
    await promisify(execFile)(bash ?? "bash", ["-c", command ?? ""], {
      cwd: work,
      env: { PATH: process.env.PATH, ...VALUES },
    });
    expect(files.some((path) => PLACEHOLDER.test(readText(path)))).toBe(true);
    for (const path of files) {
      const replaced = readFileSync(join(work, path), "utf8");
      expect(replaced, path).not.toMatch(PLACEHOLDER);
      expect(namesOf(replaced), path).toEqual(namesOf(readText(path)));
    }
    const read = (path: string) => readFileSync(join(work, path), "utf8");
    expect(read("deploy/k8s/overlays/gke/sync-worker.configmap.patch.yaml")).toContain(
      "PUBSUB_PROJECT_ID: acme-hub",
    );
    expect(read("deploy/cloudrun/api-gateway.yaml")).toContain(
      "https://sync-worker-123456789012.europe-west3.run.app",
    );
    expect(read("deploy/k8s/overlays/gke/ingress.yaml")).toContain("host: ingest.hub.acme.org");
  });
});
