import { describe, expect, it } from "vitest";
import { configOf, listFiles, readText, readYaml, SERVICES, type Manifest } from "./deploy-files.ts";
import { validateManifest } from "./manifest-schemas.ts";
import { mainContainer, podTemplate, probePort } from "./pod-spec.ts";
import { opsRoutes, READINESS_PATHS, registersOpsRoutes, routesOf, servedBy } from "./served-routes.ts";
import { attribute, nestedBlock, resourceBlock, variableDefaults } from "./terraform-names.ts";

const BASE = "deploy/k8s/base";
const GKE = "deploy/k8s/overlays/gke";

type Kustomization = {
  resources?: string[];
  patches?: { path: string; target?: { kind: string } }[];
};

function kustomization(dir: string): Kustomization {
  return readYaml(`${dir}/kustomization.yaml`)[0] as unknown as Kustomization;
}

/** The base as kustomize would list it: every resource file of its kustomization. */
function baseObjects(): Manifest[] {
  return (kustomization(BASE).resources ?? []).flatMap((file) => readYaml(`${BASE}/${file}`));
}

function find(kind: string, name: string): Manifest {
  const found = baseObjects().find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the base`);
  return found;
}

describe("Kubernetes manifests", () => {
  const files = listFiles("deploy/k8s", ".yaml").filter((path) => !path.endsWith("kustomization.yaml"));

  it.each(files)("%s validates against the bundled Kubernetes schema", (path) => {
    for (const manifest of readYaml(path)) {
      const isPatch = path.endsWith(".patch.yaml");
      // Patches are partial objects: they only need to parse; the patched result is the base's shape.
      if (!isPatch && !validateManifest(manifest)) {
        expect(manifest.apiVersion, `${path}: a CRD checked by the tests below`).toMatch(
          /^(external-secrets\.io|cloud\.google\.com|networking\.gke\.io)\//,
        );
      }
    }
  });

  it("lists every file of the base and the overlay in its kustomization", () => {
    for (const dir of [BASE, GKE]) {
      const k = kustomization(dir);
      const listed = [...(k.resources ?? []), ...(k.patches ?? []).map((patch) => patch.path)];
      const present = listFiles(dir, ".yaml")
        .map((path) => path.slice(dir.length + 1))
        .filter((name) => name !== "kustomization.yaml");
      expect(listed.filter((name) => !name.startsWith("../")).sort()).toEqual(present.sort());
    }
  });
});

describe.each(SERVICES)("%s in the kustomize base", (service) => {
  const deployment = find("Deployment", service);
  const container = mainContainer(deployment, service);
  const pod = podTemplate(deployment).spec;
  const config = find("ConfigMap", service).data ?? {};
  const rows = configOf(service);

  it("exposes the port the service listens on, with probes on the routes it serves", () => {
    const port = container.ports?.find((candidate) => candidate.name === "http")?.containerPort;
    expect(String(port)).toBe(config.PORT);
    expect(registersOpsRoutes(service)).toBe(true);
    expect(container.livenessProbe?.httpGet?.path).toBe("/health");
    expect(container.startupProbe?.httpGet?.path).toBe("/health");
    expect(container.readinessProbe?.httpGet?.path).toBe(READINESS_PATHS[service]);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(servedBy(service, probe?.httpGet?.path), probe?.httpGet?.path).toBe(true);
      expect(probePort(container, probe)).toBe(port);
    }
  });

  it("sets every required variable, secrets only by secretKeyRef, and only variables it reads", () => {
    expect(container.envFrom?.[0]?.configMapRef?.name).toBe(service);
    const env = container.env ?? [];
    const set = new Set([...Object.keys(config), ...env.map((variable) => variable.name)]);
    for (const row of rows.filter((r) => r.required)) expect(set, row.name).toContain(row.name);
    for (const row of rows.filter((r) => r.secret)) {
      expect(Object.keys(config), `${row.name} is not in the ConfigMap`).not.toContain(row.name);
      const variable = env.find((candidate) => candidate.name === row.name);
      if (variable) expect(variable.valueFrom?.secretKeyRef?.name).toBe(`${service}-secrets`);
    }
    const known = new Set(rows.map((row) => row.name));
    for (const name of set) expect(known, `${service} reads ${name}`).toContain(name);
  });

  it("drains before it is killed, and runs locked down", () => {
    const shutdownMs = Number(config.SHUTDOWN_TIMEOUT_MS);
    const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command[1] ?? 0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + shutdownMs / 1000);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.resources?.requests).toHaveProperty("cpu");
    expect(container.resources?.requests).toHaveProperty("memory");
    expect(container.resources?.limits).toHaveProperty("memory");
    expect(pod.serviceAccountName).toBe(service);
    find("ServiceAccount", service);
  });

  it("has a PodDisruptionBudget and an autoscaler on its Deployment", () => {
    const labels = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector
      .matchLabels;
    const pdb = find("PodDisruptionBudget", service).spec as { selector: { matchLabels: object } };
    expect(pdb.selector.matchLabels).toEqual(labels);
    const hpa = find("HorizontalPodAutoscaler", service).spec as {
      scaleTargetRef: { kind: string; name: string };
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: "Deployment", name: service });
  });

  it("leaves the replica count to its HPA (a count here would reset a scaled-out Deployment)", () => {
    expect(deployment.spec).not.toHaveProperty("replicas");
    const hpa = find("HorizontalPodAutoscaler", service).spec as { minReplicas?: number };
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
  });
});

describe("Services and Ingress", () => {
  it("gives a Service to the two HTTP-facing services, pointing at their http port", () => {
    const services = baseObjects().filter((m) => m.kind === "Service");
    expect(services.map((s) => s.metadata.name).sort()).toEqual(["api-gateway", "sync-worker"]);
    for (const service of services) {
      const spec = service.spec as { selector: object; ports: { targetPort: string }[] };
      expect(spec.selector).toEqual({ "app.kubernetes.io/name": service.metadata.name });
      expect(spec.ports[0]?.targetPort).toBe("http");
    }
  });

  type IngressPath = { path: string; pathType: string; backend: { service: { name: string } } };
  const ingressPaths = () => {
    const ingress = readYaml(`${GKE}/ingress.yaml`)[0];
    const rules = (ingress?.spec as { rules: { http: { paths: IngressPath[] } }[] }).rules;
    return rules.flatMap((rule) => rule.http.paths);
  };

  it("routes the public hosts to api-gateway's API and docs and to sync-worker's ingest only", () => {
    const paths = ingressPaths();
    const ingest = paths.filter((p) => p.backend.service.name === "sync-worker").map((p) => p.path);
    expect(ingest).toEqual(["/v1/ingest"]);
    expect(routesOf("sync-worker").some((route) => route.startsWith("/v1/ingest/"))).toBe(true);
    const api = paths.filter((p) => p.backend.service.name === "api-gateway").map((p) => p.path);
    expect(api.sort()).toEqual(["/docs", "/v1"]);
    expect(routesOf("api-gateway").some((route) => route.startsWith("/v1/"))).toBe(true);
  });

  it("keeps /health, /ready and /metrics off the public load balancer", () => {
    const opsPaths = [...opsRoutes(), ...routesOf("sync-worker").filter((r) => r.startsWith("/ready"))];
    for (const { path, pathType } of ingressPaths()) {
      // Prefix matches whole path elements (GKE: /p and /p/*); "/" or a prefix of an ops route leaks it.
      expect(pathType).toBe("Prefix");
      for (const route of opsPaths) {
        expect(
          route === path || route.startsWith(path === "/" ? "/" : `${path}/`),
          `${path} exposes ${route}`,
        ).toBe(false);
      }
    }
  });

  it.each(["api-gateway", "sync-worker"] as const)(
    "health-checks %s's load balancer backend on its readiness route",
    (service) => {
      const config = gkeBackendConfigOf(service);
      const health = (config.spec as { healthCheck: { requestPath: string; port: number } }).healthCheck;
      expect(health).toMatchObject({ requestPath: READINESS_PATHS[service], port: 8080 });
      expect(servedBy(service, health.requestPath)).toBe(true);
    },
  );

  it("keeps sync-worker's ingest in the load balancer while Postgres or Pub/Sub answers", () => {
    // The probe and the health check on /ready/ingest, served by sync-worker's own route (not /ready).
    const container = mainContainer(find("Deployment", "sync-worker"), "sync-worker");
    expect(container.readinessProbe?.httpGet?.path).toBe("/ready/ingest");
    expect(routesOf("sync-worker")).toContain("/ready/ingest");
    const health = gkeBackendConfigOf("sync-worker").spec as { healthCheck: { requestPath: string } };
    expect(health.healthCheck.requestPath).toBe("/ready/ingest");
  });
});

/**
 * The BackendConfig a Service of the gke overlay names: the Service's own patch if it has one, else
 * the default every Service gets (neg-backend.patch.yaml).
 */
function gkeBackendConfigOf(service: string): Manifest {
  const patches = (kustomization(GKE).patches ?? []).flatMap((patch) =>
    readYaml(`${GKE}/${patch.path}`).map((doc) => ({ patch, doc })),
  );
  const own = patches.find(({ doc }) => doc.kind === "Service" && doc.metadata.name === service);
  const generic = patches.find(({ patch }) => patch.target?.kind === "Service");
  const annotation = (own ?? generic)?.doc.metadata.annotations?.["cloud.google.com/backend-config"];
  const name = (JSON.parse(annotation ?? "{}") as { default?: string }).default;
  const config = listFiles(GKE, ".yaml")
    .filter((path) => !path.endsWith(".patch.yaml"))
    .flatMap((path) => readYaml(path))
    .find((m) => m.kind === "BackendConfig" && m.metadata.name === name);
  if (!config) throw new Error(`${service}: no BackendConfig named ${String(name)}`);
  return config;
}

describe("the gke overlay", () => {
  const overlay = kustomization(GKE);
  const overlayObjects = (overlay.resources ?? [])
    .filter((file) => !file.startsWith("../"))
    .flatMap((file) => readYaml(`${GKE}/${file}`));

  it("sets no replica count on a Deployment (the HPAs own it)", () => {
    for (const patch of overlay.patches ?? []) {
      for (const doc of readYaml(`${GKE}/${patch.path}`)) {
        if (doc.kind === "Deployment") expect(doc.spec ?? {}, patch.path).not.toHaveProperty("replicas");
      }
    }
  });

  it("patches only objects the base has", () => {
    for (const patch of overlay.patches ?? []) {
      for (const doc of readYaml(`${GKE}/${patch.path}`)) {
        if (patch.target) expect(baseObjects().some((m) => m.kind === patch.target?.kind)).toBe(true);
        else find(doc.kind, doc.metadata.name);
      }
    }
  });

  it("fills every secret the base references from Secret Manager", () => {
    const refs = baseObjects()
      .filter((m) => m.kind === "Deployment")
      .flatMap((m) => (podTemplate(m).spec.containers ?? []).flatMap((c) => c.env ?? []))
      .flatMap((variable) => (variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef] : []));
    type ExternalSecret = {
      target: { name: string };
      data: { secretKey: string; remoteRef: { key: string } }[];
    };
    const externals = overlayObjects
      .filter((m) => m.kind === "ExternalSecret")
      .map((m) => m.spec as unknown as ExternalSecret);
    for (const ref of refs) {
      const external = externals.find((e) => e.target.name === ref.name);
      expect(
        external?.data.map((entry) => entry.secretKey),
        `${ref.name}/${ref.key}`,
      ).toContain(ref.key);
    }
  });

  it("annotates each service account for Workload Identity and turns provisioning off", () => {
    for (const service of SERVICES) {
      const patch = readYaml(`${GKE}/${service}.serviceaccount.patch.yaml`)[0];
      expect(patch?.metadata.annotations?.["iam.gke.io/gcp-service-account"]).toBe(
        `${service}@PROJECT_ID.iam.gserviceaccount.com`,
      );
      const config = readYaml(`${GKE}/${service}.configmap.patch.yaml`)[0]?.data ?? {};
      expect(config.PUBSUB_PROVISION).toBe("false");
      const known = new Set(configOf(service).map((row) => row.name));
      for (const name of Object.keys(config)) expect(known).toContain(name);
    }
  });

  it.each([
    ["webhook-dispatcher", "PUBSUB_SUBSCRIPTION"],
    ["sync-worker", "AUTOMATIONS_SUBSCRIPTION"],
  ] as const)("scales %s on the backlog of the subscription it consumes (%s)", (service, variable) => {
    const hpa = readYaml(`${GKE}/${service}.hpa.patch.yaml`)[0]?.spec as {
      metrics: {
        type: string;
        external?: { metric: { name: string; selector: { matchLabels: Record<string, string> } } };
      }[];
    };
    const external = hpa.metrics.find((metric) => metric.type === "External")?.external?.metric;
    expect(external?.name).toBe("pubsub.googleapis.com|subscription|num_undelivered_messages");
    expect(hpa.metrics.some((metric) => metric.type === "Resource")).toBe(true);
    const subscription = readYaml(`${BASE}/${service}.configmap.yaml`)[0]?.data?.[variable];
    expect(external?.selector.matchLabels["resource.labels.subscription_id"]).toBe(subscription);
  });

  it("runs the Cloud SQL proxy as a sidecar of every Deployment", () => {
    const patch = readYaml(`${GKE}/cloud-sql-proxy.patch.yaml`)[0];
    const proxy = patch && podTemplate(patch).spec.initContainers?.[0];
    expect(proxy).toMatchObject({ name: "cloud-sql-proxy", restartPolicy: "Always" });
    expect(overlay.patches?.find((p) => p.path === "cloud-sql-proxy.patch.yaml")?.target?.kind).toBe(
      "Deployment",
    );
  });

  it("runs the proxy with v2 flags, on the IP type the Terraform instance has", () => {
    const patch = readYaml(`${GKE}/cloud-sql-proxy.patch.yaml`)[0];
    const args = (patch && podTemplate(patch).spec.initContainers?.[0]?.args) ?? [];
    const flags = args.filter((arg) => arg.startsWith("--")).map((arg) => arg.slice(2).split("=")[0]);
    for (const flag of flags) expect(PROXY_V2_FLAGS, `--${flag}`).toContain(flag);
    const hcl = listFiles("deploy/terraform", ".tf")
      .map((path) => readText(path))
      .join("\n");
    const instance = variableDefaults(hcl).sql_instance;
    expect(args.filter((arg) => !arg.startsWith("--"))).toEqual([`PROJECT_ID:REGION:${instance}`]);
    // --private-ip makes the proxy dial only the private address: without one every connection fails.
    const ip = nestedBlock(resourceBlock(hcl, "google_sql_database_instance", "hub"), "ip_configuration");
    const hasPrivateIp = attribute(ip ?? "", "private_network") !== undefined;
    expect(flags.includes("private-ip"), "--private-ip iff ip_configuration.private_network").toBe(
      hasPrivateIp,
    );
    if (!hasPrivateIp) expect(attribute(ip ?? "", "ipv4_enabled")).toBe("true");
  });
});

/**
 * Flags of the Cloud SQL Auth Proxy v2 (GoogleCloudPlatform/cloud-sql-proxy cmd/root.go, v2.18).
 * v1 flags (-instances=, -ip_address_types) are rejected by v2.
 */
const PROXY_V2_FLAGS = [
  "address",
  "admin-port",
  "auto-iam-authn",
  "auto-ip",
  "credentials-file",
  "debug-logs",
  "exit-zero-on-sigterm",
  "health-check",
  "http-address",
  "http-port",
  "impersonate-service-account",
  "lazy-refresh",
  "max-connections",
  "max-sigterm-delay",
  "min-sigterm-delay",
  "port",
  "private-ip",
  "prometheus",
  "psc",
  "quitquitquit",
  "structured-logs",
  "unix-socket",
];

/** Fields of the CRDs the bundled schemas do not cover, from their APIs' types. */
describe("GKE and External Secrets custom resources", () => {
  const objects = listFiles(GKE, ".yaml")
    .filter((path) => !path.endsWith("kustomization.yaml") && !path.endsWith(".patch.yaml"))
    .flatMap((path) => readYaml(path));
  const ofKind = (kind: string) => objects.filter((m) => m.kind === kind);
  const keys = (value: unknown) => Object.keys((value ?? {}) as object);

  it("BackendConfig uses cloud.google.com/v1 fields (kubernetes/ingress-gce backendconfig/v1)", () => {
    for (const config of ofKind("BackendConfig")) {
      expect(config.apiVersion).toBe("cloud.google.com/v1");
      const spec = config.spec ?? {};
      const specFields = ["iap", "cdn", "securityPolicy", "timeoutSec", "connectionDraining"];
      specFields.push("sessionAffinity", "customRequestHeaders", "customResponseHeaders", "healthCheck");
      for (const key of keys(spec)) expect([...specFields, "logging"]).toContain(key);
      const healthFields = ["checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold"];
      for (const key of keys(spec.healthCheck)) {
        expect([...healthFields, "type", "port", "requestPath"]).toContain(key);
      }
      for (const key of keys(spec.connectionDraining)) expect(key).toBe("drainingTimeoutSec");
    }
  });

  it("Services opt into NEGs and name an existing BackendConfig", () => {
    const patch = readYaml(`${GKE}/neg-backend.patch.yaml`)[0];
    const annotations = patch?.metadata.annotations ?? {};
    expect(JSON.parse(annotations["cloud.google.com/neg"] ?? "{}")).toEqual({ ingress: true });
    const backend = JSON.parse(annotations["cloud.google.com/backend-config"] ?? "{}") as object;
    expect(ofKind("BackendConfig").map((m) => m.metadata.name)).toContain(
      (backend as { default?: string }).default,
    );
  });

  it("the ManagedCertificate covers exactly the Ingress hosts and is attached to it", () => {
    const [certificate] = ofKind("ManagedCertificate");
    expect(certificate?.apiVersion).toBe("networking.gke.io/v1");
    const domains = (certificate?.spec as { domains: string[] }).domains;
    expect(domains.length).toBeLessThanOrEqual(100);
    const [ingress] = ofKind("Ingress");
    const hosts = (ingress?.spec as { rules: { host: string }[] }).rules.map((rule) => rule.host);
    expect([...domains].sort()).toEqual([...hosts].sort());
    expect(ingress?.metadata.annotations?.["networking.gke.io/managed-certificates"]).toBe(
      certificate?.metadata.name,
    );
    expect(ingress?.metadata.annotations?.["kubernetes.io/ingress.class"]).toBe("gce");
  });

  it("External Secrets objects use external-secrets.io/v1 and the Secret Manager provider", () => {
    const stores = ofKind("SecretStore");
    for (const store of stores) {
      expect(store.apiVersion).toBe("external-secrets.io/v1");
      const gcpsm = (store.spec as { provider: { gcpsm?: { projectID?: string } } }).provider.gcpsm;
      expect(gcpsm?.projectID).toBe("PROJECT_ID");
    }
    for (const external of ofKind("ExternalSecret")) {
      expect(external.apiVersion).toBe("external-secrets.io/v1");
      type Spec = {
        secretStoreRef: { kind: string; name: string };
        data: { secretKey: string; remoteRef: { key: string } }[];
      };
      const spec = external.spec as unknown as Spec;
      for (const key of keys(spec)) {
        expect(["refreshInterval", "secretStoreRef", "target", "data", "dataFrom"]).toContain(key);
      }
      expect(spec.secretStoreRef.kind).toBe("SecretStore");
      expect(stores.map((s) => s.metadata.name)).toContain(spec.secretStoreRef.name);
      for (const entry of spec.data) expect(entry.remoteRef.key).toMatch(/^[\w-]+$/);
    }
  });
});
