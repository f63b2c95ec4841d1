import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describeConfig, type ConfigRow } from "@event-hub/shared";
import { parseAllDocuments } from "yaml";
import { SERVICE_CONFIG_SCHEMAS } from "../docs/configuration-table.ts";

/** Reads the deployment files (deploy/**, skaffold.yaml) for the tests beside this file. */

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SERVICES = ["sync-worker", "webhook-dispatcher", "api-gateway"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** A Kubernetes-style object: enough shape for the checks, validated fully by kubernetes-models. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
};

export type ManifestFile = { path: string; documents: Manifest[] };

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** Every YAML document of a file; a YAML syntax error fails the test that reads it. */
export function readYaml(path: string): Manifest[] {
  return parseAllDocuments(readText(path)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  });
}

/** Repository-relative paths of the files under `dir` whose names end with `suffix`. */
export function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** Every manifest under deploy/ (Kustomization files included) and skaffold.yaml. */
export function allManifestFiles(): ManifestFile[] {
  return [...listFiles("deploy", ".yaml"), "skaffold.yaml"].map((path) => ({
    path,
    documents: readYaml(path),
  }));
}

/** The configuration variables a service reads, from its own schema. */
export function configOf(service: ServiceName): ConfigRow[] {
  const schema = SERVICE_CONFIG_SCHEMAS[service];
  if (!schema) throw new Error(`no config schema for ${service}`);
  return describeConfig(schema);
}

export function defaultOf(service: ServiceName, name: string): string {
  const row = configOf(service).find((candidate) => candidate.name === name);
  if (row?.default === undefined) throw new Error(`${service} has no default for ${name}`);
  return row.default;
}

export function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}
