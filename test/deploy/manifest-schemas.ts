import * as knativeServing from "@kubernetes-models/knative/serving.knative.dev/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as core from "kubernetes-models/v1";
import type { Manifest } from "./deploy-files.ts";

/**
 * The JSON schemas bundled with kubernetes-models (Kubernetes API) and @kubernetes-models/knative
 * (Cloud Run's service YAML is Knative Serving v1), checked offline. Kinds of CRDs without a bundled
 * schema (GKE's BackendConfig and ManagedCertificate, External Secrets) return undefined.
 */
type Validatable = { validate(): void };
type ModelClass = new (data: object) => Validatable;

const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  "apps/v1": apps,
  "policy/v1": policy,
  "autoscaling/v2": autoscaling,
  "networking.k8s.io/v1": networking,
  "serving.knative.dev/v1": knativeServing,
};

export function schemaModel(manifest: Manifest): ModelClass | undefined {
  return MODELS[manifest.apiVersion]?.[manifest.kind] as ModelClass | undefined;
}

/** Throws the schema's first complaint, or returns false when no schema is bundled for the kind. */
export function validateManifest(manifest: Manifest): boolean {
  const Model = schemaModel(manifest);
  if (!Model) return false;
  new Model(manifest).validate();
  return true;
}
