# The images skaffold pushes (--default-repo=REGION-docker.pkg.dev/PROJECT_ID/event-hub).
resource "google_artifact_registry_repository" "images" {
  repository_id = var.artifact_repository
  location      = var.region
  format        = "DOCKER"
  description   = "Connector Event Hub images"
}

# GKE nodes pull as their node service account (Autopilot: the Compute Engine default one unless
# the cluster was created with another); projects created with the org policy that stops automatic
# Editor grants give it no read access to Artifact Registry. Cloud Run pulls as its service agent,
# which reads the project's repositories already.
resource "google_artifact_registry_repository_iam_member" "gke_nodes" {
  count      = var.enable_gke ? 1 : 0
  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${local.gke_node_service_account}"
}

locals {
  gke_node_service_account = var.gke_node_service_account != "" ? var.gke_node_service_account : "${data.google_project.this.number}-compute@developer.gserviceaccount.com"
}
