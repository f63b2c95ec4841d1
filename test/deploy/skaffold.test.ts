import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./dockerfile-stages.ts";
import { allManifestFiles, readText, readYaml, ROOT, SERVICES } from "./deploy-files.ts";
import { podTemplate } from "./pod-spec.ts";

type Artifact = { image: string; context: string; docker: { dockerfile: string; target: string } };
type Profile = {
  name: string;
  manifests: { kustomize?: { paths: string[] }; rawYaml?: string[] };
  deploy: Record<string, unknown>;
};
type Skaffold = {
  apiVersion: string;
  kind: string;
  build: { artifacts: Artifact[] };
  manifests?: object;
  deploy?: object;
  profiles: Profile[];
};

const skaffold = readYaml("skaffold.yaml")[0] as unknown as Skaffold;

describe("skaffold.yaml", () => {
  it("uses the v4beta13 schema (skaffold >= 2.15; later versions upgrade it when loading)", () => {
    expect(skaffold.apiVersion).toBe("skaffold/v4beta13");
    expect(skaffold.kind).toBe("Config");
  });

  it("builds one image per service from the root context, each a Dockerfile target", () => {
    expect(skaffold.build.artifacts.map((artifact) => artifact.image).sort()).toEqual([...SERVICES].sort());
    for (const artifact of skaffold.build.artifacts) {
      expect(artifact.context).toBe(".");
      const stages = parseDockerfile(readText(artifact.docker.dockerfile)).stages.map((s) => s.name);
      expect(stages).toContain(artifact.docker.target);
      expect(artifact.docker.target).toBe(artifact.image);
    }
  });

  it("has the local, gke and cloudrun profiles, and their paths exist", () => {
    const byName = Object.fromEntries(skaffold.profiles.map((profile) => [profile.name, profile]));
    expect(byName.local?.manifests.kustomize?.paths).toEqual(["deploy/k8s/base"]);
    expect(byName.gke?.manifests.kustomize?.paths).toEqual(["deploy/k8s/overlays/gke"]);
    expect(byName.cloudrun?.deploy).toHaveProperty("cloudrun");
    const paths = skaffold.profiles.flatMap((p) => [
      ...(p.manifests.kustomize?.paths ?? []),
      ...(p.manifests.rawYaml ?? []),
    ]);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
    expect(byName.cloudrun?.manifests.rawYaml?.length).toBe(SERVICES.length);
  });

  it("leaves rendering and deploying to the profiles, one renderer and one deployer each", () => {
    // Skaffold lays a profile onto the top-level config field by field (schema/profiles.go
    // overlayProfileField): a top-level kustomize + kubectl would also run under -p cloudrun.
    expect(skaffold.manifests).toBeUndefined();
    expect(skaffold.deploy).toBeUndefined();
    for (const profile of skaffold.profiles) {
      expect(Object.keys(profile.manifests), profile.name).toHaveLength(1);
      expect(Object.keys(profile.deploy), profile.name).toHaveLength(1);
      const renderer = profile.manifests.rawYaml ? "rawYaml" : "kustomize";
      // Cloud Run services are plain YAML for the cloudrun deployer; kustomize output goes to kubectl.
      expect(Object.keys(profile.deploy)[0], profile.name).toBe(
        renderer === "rawYaml" ? "cloudrun" : "kubectl",
      );
    }
  });

  it("builds every image a manifest runs (other than pinned third-party images)", () => {
    const images = new Set(skaffold.build.artifacts.map((artifact) => artifact.image));
    for (const { path, documents } of allManifestFiles()) {
      for (const manifest of documents.filter((doc) => doc.kind === "Deployment" || doc.kind === "Service")) {
        if (manifest.kind === "Service" && manifest.apiVersion === "v1") continue;
        const spec = podTemplate(manifest).spec;
        for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
          if (container.image.includes("/")) expect(container.image, path).toMatch(/:\d+\.\d+\.\d+$/);
          else expect(images.has(container.image), `${path}: ${container.image}`).toBe(true);
        }
      }
    }
  });
});
