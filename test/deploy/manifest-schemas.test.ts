import { describe, expect, it } from "vitest";
import { readYaml, type Manifest } from "./deploy-files.ts";
import { validateManifest } from "./manifest-schemas.ts";
import { mainContainer } from "./pod-spec.ts";

function copyOf(path: string): Manifest {
  const [manifest] = readYaml(path);
  if (!manifest) throw new Error(`${path} is empty`);
  return structuredClone(manifest);
}

/** Renames a container field, as a typo would. */
function misspell(manifest: Manifest, service: string, from: string, to: string): Manifest {
  const container = mainContainer(manifest, service) as unknown as Record<string, unknown>;
  container[to] = container[from];
  delete container[from];
  return manifest;
}

describe("validateManifest", () => {
  it("accepts the real manifests, free-form maps (labels, annotations, ConfigMap data) included", () => {
    expect(validateManifest(copyOf("deploy/k8s/base/sync-worker.deployment.yaml"))).toBe(true);
    expect(validateManifest(copyOf("deploy/k8s/base/sync-worker.configmap.yaml"))).toBe(true);
    expect(validateManifest(copyOf("deploy/cloudrun/sync-worker.yaml"))).toBe(true);
  });

  it("rejects a field the Kubernetes definitions do not declare, however deep", () => {
    const typo = misspell(
      copyOf("deploy/k8s/base/sync-worker.deployment.yaml"),
      "sync-worker",
      "readinessProbe",
      "readinesProbe",
    );
    expect(() => validateManifest(typo)).toThrow("Deployment.spec.template.spec.containers[0].readinesProbe");
    const spec = copyOf("deploy/k8s/base/api-gateway.hpa.yaml");
    (spec.spec as Record<string, unknown>).minReplica = 2;
    expect(() => validateManifest(spec)).toThrow("HorizontalPodAutoscaler.spec.minReplica");
  });

  it("rejects a field Knative Serving (Cloud Run) does not declare", () => {
    const typo = misspell(
      copyOf("deploy/cloudrun/sync-worker.yaml"),
      "sync-worker",
      "startupProbe",
      "startProbe",
    );
    expect(() => validateManifest(typo)).toThrow("Service.spec.template.spec.containers[0].startProbe");
  });
});
