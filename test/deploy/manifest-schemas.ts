import * as knativeServing from "@kubernetes-models/knative/serving.knative.dev/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as core from "kubernetes-models/v1";
import { undeclaredFields } from "./declared-fields.ts";
import type { Manifest } from "./deploy-files.ts";

/**
 * The JSON schemas bundled with kubernetes-models (Kubernetes API) and @kubernetes-models/knative
 * (Cloud Run's service YAML is Knative Serving v1), checked offline, and strictly: a field the
 * definitions do not declare fails too (declared-fields.ts). Kinds of CRDs without a bundled schema
 * (GKE's BackendConfig and ManagedCertificate, External Secrets) return undefined.
 */
type Validatable = { validate(): void };
type ModelClass = new (data: object) => Validatable;

const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  "apps/v1": apps,
  "policy/v1": policy,
  "autoscaling/v2": autoscaling,
  "batch/v1": batch,
  "networking.k8s.io/v1": networking,
  "serving.knative.dev/v1": knativeServing,
};

/** The module whose `I<Kind>` interfaces declare each apiVersion's fields. */
const MODULES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "batch/v1": "kubernetes-models/batch/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "serving.knative.dev/v1": "@kubernetes-models/knative/serving.knative.dev/v1",
};

export function schemaModel(manifest: Manifest): ModelClass | undefined {
  return MODELS[manifest.apiVersion]?.[manifest.kind] as ModelClass | undefined;
}

/**
 * Throws the schema's first complaint or the fields it does not declare, or returns false when no
 * schema is bundled for the kind.
 */
export function validateManifest(manifest: Manifest): boolean {
  const Model = schemaModel(manifest);
  if (!Model) return false;
  new Model(manifest).validate();
  const undeclared = undeclaredFields(manifest, MODULES);
  if (undeclared.length > 0) throw new Error(`fields the schema does not declare: ${undeclared.join(", ")}`);
  return true;
}
