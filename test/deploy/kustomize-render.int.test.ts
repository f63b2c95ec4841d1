import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findExecutable } from "@event-hub/local-stack/find-executable";
import { ROOT, type Manifest } from "./deploy-files.ts";
import { validateManifest } from "./manifest-schemas.ts";
import { mainContainer, podTemplate } from "./pod-spec.ts";

// The base and the gke overlay as kustomize merges them (patches applied, namespace and labels set),
// validated like the files themselves. Runs where kubectl (built-in kustomize) or kustomize is on
// PATH; offline, no cluster needed.
const kubectl = findExecutable("kubectl");
const kustomize = kubectl ? undefined : findExecutable("kustomize");
const reason = "skipped without kubectl or kustomize on PATH";

async function render(dir: string, flags: string[] = []): Promise<Manifest[]> {
  const [command, args] = kubectl
    ? [kubectl, ["kustomize", ...flags, dir]]
    : [kustomize ?? "kustomize", ["build", ...flags, dir]];
  const { stdout } = await promisify(execFile)(command, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`${dir}: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  });
}

/** CRDs without bundled schemas; kubernetes.test.ts checks their fields structurally. */
const CRD_GROUPS = /^(external-secrets\.io|cloud\.google\.com|networking\.gke\.io)\//;

describe.skipIf(!kubectl && !kustomize)(`kustomize-rendered manifests (${reason})`, () => {
  it.each(["deploy/k8s/base", "deploy/k8s/overlays/gke"])(
    "%s renders, and every object validates strictly against the bundled schemas",
    async (dir) => {
      const objects = await render(join(ROOT, dir));
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) {
        const where = `${dir}: ${object.kind} ${object.metadata.name}`;
        let validated: boolean;
        try {
          validated = validateManifest(object);
        } catch (error) {
          throw new Error(`${where}: ${String(error)}`, { cause: error });
        }
        if (!validated) expect(object.apiVersion, where).toMatch(CRD_GROUPS);
      }
    },
  );

  it("merges the gke overlay's patches into the base's objects", async () => {
    const objects = await render(join(ROOT, "deploy/k8s/overlays/gke"));
    const find = (kind: string, name: string) => {
      const found = objects.find((m) => m.kind === kind && m.metadata.name === name);
      if (!found) throw new Error(`no ${kind} ${name} rendered`);
      return found;
    };
    for (const service of ["sync-worker", "webhook-dispatcher", "api-gateway"]) {
      const deployment = find("Deployment", service);
      expect(deployment.metadata).toMatchObject({ namespace: "event-hub" });
      expect(podTemplate(deployment).spec.initContainers?.map((c) => c.name)).toEqual(["cloud-sql-proxy"]);
      expect(mainContainer(deployment, service).envFrom?.[0]?.configMapRef?.name).toBe(service);
      expect(find("ConfigMap", service).data?.PUBSUB_PROVISION).toBe("false");
    }
    // HPA-managed Deployments carry no replica count after the merge either.
    for (const hpa of objects.filter((m) => m.kind === "HorizontalPodAutoscaler")) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(find(target.kind, target.name).spec).not.toHaveProperty("replicas");
    }
    const backendConfig = (name: string) =>
      JSON.parse(find("Service", name).metadata.annotations?.["cloud.google.com/backend-config"] ?? "{}");
    expect(backendConfig("sync-worker")).toEqual({ default: "sync-worker" });
    expect(backendConfig("api-gateway")).toEqual({ default: "event-hub" });
  });

  it("renders the reseal Job for GKE with the services' Cloud SQL proxy, in their namespace", async () => {
    // As deploy/README.md runs it: the patch is the overlay's own file, outside the Job's folder.
    const flags = ["--load-restrictor", "LoadRestrictionsNone"];
    const [job, ...others] = await render(join(ROOT, "deploy/k8s/jobs/reseal-gke"), flags);
    expect(others).toEqual([]);
    expect(job && validateManifest(job)).toBe(true);
    expect(job?.metadata).toMatchObject({ name: "event-hub-reseal", namespace: "event-hub" });
    expect(podTemplate(job as Manifest).spec.initContainers?.map((c) => c.name)).toEqual(["cloud-sql-proxy"]);
  });
});
