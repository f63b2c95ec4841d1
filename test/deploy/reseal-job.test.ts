import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readText, readYaml, ROOT, type Manifest } from "./deploy-files.ts";
import { validateManifest } from "./manifest-schemas.ts";
import type { Container } from "./pod-spec.ts";

// The reseal job (Kubernetes Job and Cloud Run job) runs the same CLI as `make reseal`, from the
// image that holds it, with the variables it reads, and is never applied with the base.
const CLI = "shared/src/secrets/reseal-cli.ts";
const K8S_JOB = "deploy/k8s/jobs/reseal/reseal.job.yaml";
const CLOUD_RUN_JOB = "deploy/cloudrun/jobs/reseal.yaml";

function onlyContainer(manifest: Manifest | undefined, path: string[]): Container {
  let node: unknown = manifest;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  const containers = node as Container[] | undefined;
  expect(containers).toHaveLength(1);
  return containers?.[0] as Container;
}

const commandOf = (container: Container) => (container as Container & { command?: string[] }).command;
const envNames = (container: Container) => (container.env ?? []).map((variable) => variable.name).sort();

describe("the reseal job", () => {
  const [k8sJob] = readYaml(K8S_JOB);
  const [cloudRunJob] = readYaml(CLOUD_RUN_JOB);
  const k8sContainer = onlyContainer(k8sJob, ["spec", "template", "spec", "containers"]);
  const cloudRunContainer = onlyContainer(cloudRunJob, [
    "spec",
    "template",
    "spec",
    "template",
    "spec",
    "containers",
  ]);

  it("runs the CLI `make reseal` runs, and the CLI exists", () => {
    expect(existsSync(join(ROOT, CLI))).toBe(true);
    expect(readText("Makefile")).toMatch(new RegExp(`^reseal:.*\\n\\tnode ${CLI}$`, "m"));
    expect(commandOf(k8sContainer)).toStrictEqual(["node", CLI]);
    expect(commandOf(cloudRunContainer)).toStrictEqual(["node", CLI]);
  });

  it("uses the migrate image, which holds shared/src and shared's dependencies", () => {
    const dockerfile = readText("deploy/Dockerfile");
    expect(dockerfile).toMatch(/^FROM runtime AS migrate$/m);
    expect(dockerfile).toMatch(/^COPY shared\/src shared\/src$/m);
    expect(k8sContainer.image).toBe("migrate");
    expect(cloudRunContainer.image).toMatch(/\/event-hub\/migrate$/);
  });

  it("reads the database and both keys from secrets, never from a literal", () => {
    for (const container of [k8sContainer, cloudRunContainer]) {
      expect(envNames(container)).toStrictEqual(["DATABASE_URL", "SECRETS_KEY", "SECRETS_KEY_PREVIOUS"]);
      for (const variable of container.env ?? []) expect(variable.valueFrom?.secretKeyRef).toBeDefined();
    }
  });

  it("is a valid Job that runs once, outside the base", () => {
    expect(validateManifest(k8sJob as Manifest)).toBe(true);
    expect(k8sJob?.spec).toMatchObject({ backoffLimit: 0, template: { spec: { restartPolicy: "Never" } } });
    expect(cloudRunJob?.spec).toMatchObject({
      template: { spec: { template: { spec: { maxRetries: 0 } } } },
    });
    expect(readText("deploy/k8s/base/kustomization.yaml")).not.toContain("reseal");
    expect(readText("deploy/k8s/overlays/gke/kustomization.yaml")).not.toContain("reseal");
  });
});
