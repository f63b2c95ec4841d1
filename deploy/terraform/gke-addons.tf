# What the GKE cluster's add-ons need (deploy/README.md, 2a): External Secrets Operator reads the
# hub's secrets, the Custom Metrics Stackdriver Adapter reads Pub/Sub backlog metrics for the HPAs.
# The Workload Identity pool PROJECT_ID.svc.id.goog exists only once a cluster with Workload
# Identity does: create the cluster before applying with enable_gke=true.

resource "google_service_account" "external_secrets" {
  count        = var.enable_gke ? 1 : 0
  account_id   = "external-secrets"
  display_name = "External Secrets Operator (Connector Event Hub secrets)"
}

# Only the secrets the gke overlay's ExternalSecrets read (Cloud Run's database URL is not one).
resource "google_secret_manager_secret_iam_member" "external_secrets" {
  for_each  = var.enable_gke ? toset(local.gke_secrets) : toset([])
  secret_id = google_secret_manager_secret.hub[each.key].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.external_secrets[0].member
}

# The operator's Kubernetes service account (Helm chart default: external-secrets/external-secrets)
# acts as that Google service account.
resource "google_service_account_iam_member" "external_secrets_workload_identity" {
  count              = var.enable_gke ? 1 : 0
  service_account_id = google_service_account.external_secrets[0].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.external_secrets_namespace}/external-secrets]"
}

# The adapter (namespace custom-metrics, service account custom-metrics-stackdriver-adapter) reads
# Cloud Monitoring as its Kubernetes identity: Workload Identity Federation principal, no Google
# service account (GKE docs, "Autoscale deployments using Pub/Sub metrics").
resource "google_project_iam_member" "custom_metrics_adapter" {
  count   = var.enable_gke ? 1 : 0
  project = var.project_id
  role    = "roles/monitoring.viewer"
  member  = "principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${var.project_id}.svc.id.goog/subject/ns/custom-metrics/sa/custom-metrics-stackdriver-adapter"
}

locals {
  gke_secrets = ["event-hub-database-url", "event-hub-secrets-key", "event-hub-admin-api-key"]
}
