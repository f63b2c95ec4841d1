import type { Manifest } from "./deploy-files.ts";

/** The parts of a pod template the tests look at (Deployments and Cloud Run services alike). */

export type Probe = { httpGet?: { path: string; port: number | string } };
export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: object };
};
export type Container = {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};
export type PodSpec = {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers?: Container[];
  initContainers?: Container[];
};
export type PodTemplate = {
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: PodSpec;
};

export function podTemplate(manifest: Manifest): PodTemplate {
  const template = (manifest.spec as { template?: PodTemplate } | undefined)?.template;
  if (!template) throw new Error(`${manifest.kind} ${manifest.metadata.name} has no pod template`);
  return template;
}

/** The service's own container (named after it). */
export function mainContainer(manifest: Manifest, service: string): Container {
  const container = (podTemplate(manifest).spec.containers ?? []).find(
    (candidate) => candidate.name === service,
  );
  if (!container) throw new Error(`${manifest.metadata.name} has no container named ${service}`);
  return container;
}

/** Resolves a probe's port (a number or a port name) to the container port number. */
export function probePort(container: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === "number") return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}
