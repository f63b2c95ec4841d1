output "sql_connection_name" {
  description = "PROJECT_ID:REGION:INSTANCE, for the Cloud SQL proxy argument and run.googleapis.com/cloudsql-instances."
  value       = google_sql_database_instance.hub.connection_name
}

output "service_accounts" {
  description = "Google service account of each service."
  value       = { for name, account in google_service_account.service : name => account.email }
}

output "external_secrets_service_account" {
  description = "Google service account for External Secrets Operator's Kubernetes service account (iam.gke.io/gcp-service-account), with enable_gke."
  value       = var.enable_gke ? google_service_account.external_secrets[0].email : null
}

output "image_repository" {
  description = "skaffold --default-repo for the images."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}
