import { describe, expect, it } from "vitest";
import { configOf, readYaml, SERVICES } from "./deploy-files.ts";
import { validateManifest } from "./manifest-schemas.ts";
import { mainContainer, podTemplate } from "./pod-spec.ts";
import { READINESS_PATHS, servedBy } from "./served-routes.ts";

// Cloud Run's service YAML is Knative Serving v1 plus run.googleapis.com annotations.
describe.each(SERVICES)("deploy/cloudrun/%s.yaml", (service) => {
  const [manifest] = readYaml(`deploy/cloudrun/${service}.yaml`);
  if (!manifest) throw new Error("empty file");
  const template = podTemplate(manifest);
  const container = mainContainer(manifest, service);
  const annotations = template.metadata?.annotations ?? {};
  const rows = configOf(service);

  it("validates against the bundled Knative Serving schema", () => {
    expect(manifest.apiVersion).toBe("serving.knative.dev/v1");
    expect(validateManifest(manifest)).toBe(true);
  });

  it("listens on 8080 (Cloud Run sets PORT from it) and probes routes the service serves", () => {
    expect(container.ports?.[0]?.containerPort).toBe(8080);
    const env = container.env ?? [];
    expect(
      env.map((variable) => variable.name),
      "PORT is reserved on Cloud Run",
    ).not.toContain("PORT");
    for (const probe of [container.startupProbe, container.livenessProbe]) {
      expect(servedBy(service, probe?.httpGet?.path), probe?.httpGet?.path).toBe(true);
      expect(probe?.httpGet?.port).toBe(8080);
    }
  });

  it("checks dependencies only on its readiness route (sync-worker: /ready/ingest), if at all", () => {
    // Startup and liveness stay on /health: a dependency outage must not restart the instances.
    expect(container.startupProbe?.httpGet?.path).toBe("/health");
    expect(container.livenessProbe?.httpGet?.path).toBe("/health");
    if (container.readinessProbe) {
      expect(container.readinessProbe.httpGet?.path).toBe(READINESS_PATHS[service]);
    }
  });

  it("sets every required variable, secrets from Secret Manager, and only variables it reads", () => {
    const env = container.env ?? [];
    const names = env.map((variable) => variable.name);
    for (const row of rows.filter((r) => r.required)) expect(names, row.name).toContain(row.name);
    for (const variable of env) {
      const row = rows.find((candidate) => candidate.name === variable.name);
      expect(row, `${service} reads ${variable.name}`).toBeDefined();
      if (row?.secret) {
        expect(variable.value, `${variable.name} is not written here`).toBeUndefined();
        expect(variable.valueFrom?.secretKeyRef?.name).toMatch(/^event-hub-/);
      }
    }
    expect(env.find((v) => v.name === "PUBSUB_PROVISION")?.value).toBe("false");
  });

  it("carries only valid Google Cloud labels (Cloud Run rejects Kubernetes-style keys)", () => {
    const labels = { ...manifest.metadata.labels, ...template.metadata?.labels };
    expect(Object.keys(labels).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(labels)) {
      expect(key).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(value).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
  });

  it("puts service-level annotations on the service and revision ones on the template", () => {
    const serviceLevel = ["run.googleapis.com/ingress", "run.googleapis.com/launch-stage"];
    for (const key of Object.keys(manifest.metadata.annotations ?? {})) expect(serviceLevel).toContain(key);
    for (const key of serviceLevel) expect(Object.keys(annotations)).not.toContain(key);
    for (const key of Object.keys(annotations)) {
      expect(key).toMatch(/^(autoscaling\.knative\.dev\/(minScale|maxScale)|run\.googleapis\.com\/[\w-]+)$/);
    }
  });

  it("runs as its own service account with the Cloud SQL connection", () => {
    expect(template.spec.serviceAccountName).toBe(`${service}@PROJECT_ID.iam.gserviceaccount.com`);
    expect(annotations["run.googleapis.com/cloudsql-instances"]).toBe("PROJECT_ID:REGION:event-hub");
    // Cloud Run gives 10 s from SIGTERM to SIGKILL; the drain must fit.
    const shutdown = container.env?.find((v) => v.name === "SHUTDOWN_TIMEOUT_MS")?.value;
    expect(Number(shutdown)).toBeLessThan(10_000);
  });
});

describe("Cloud Run scaling", () => {
  function annotationsOf(service: string): Record<string, string> {
    const [manifest] = readYaml(`deploy/cloudrun/${service}.yaml`);
    return (manifest && podTemplate(manifest).metadata?.annotations) ?? {};
  }

  it("keeps CPU and at least one instance for the services with background work", () => {
    // sync-worker syncs, relays the outbox and consumes Pub/Sub; the dispatcher pulls and delivers.
    for (const service of ["sync-worker", "webhook-dispatcher"]) {
      const annotations = annotationsOf(service);
      expect(annotations["run.googleapis.com/cpu-throttling"]).toBe("false");
      expect(Number(annotations["autoscaling.knative.dev/minScale"])).toBeGreaterThanOrEqual(1);
    }
  });

  it("runs api-gateway request-driven", () => {
    expect(annotationsOf("api-gateway")["run.googleapis.com/cpu-throttling"]).toBe("true");
  });
});
