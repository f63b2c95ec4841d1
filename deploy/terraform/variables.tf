# Names default to what the services use by default (services/*/src/config.ts); test/deploy checks it.

variable "project_id" {
  type        = string
  description = "Google Cloud project the hub runs in."
}

variable "region" {
  type        = string
  default     = "europe-west3"
  description = "Region of Cloud SQL, Cloud Run and Artifact Registry."
}

variable "events_topic" {
  type        = string
  default     = "connector-events"
  description = "PUBSUB_TOPIC: every Connector event is published here."
}

variable "dead_letter_topic" {
  type        = string
  default     = "connector-events-dead-letter"
  description = "Where Pub/Sub puts messages the dispatcher failed to store max_delivery_attempts times."
}

variable "dispatcher_subscription" {
  type        = string
  default     = "webhook-dispatcher"
  description = "webhook-dispatcher's PUBSUB_SUBSCRIPTION."
}

variable "automations_subscription" {
  type        = string
  default     = "connector-events-sync-worker-automations"
  description = "sync-worker's AUTOMATIONS_SUBSCRIPTION (its default is <PUBSUB_TOPIC>-sync-worker-automations)."
}

variable "operations_topic" {
  type        = string
  default     = "hub-operations"
  description = "webhook-dispatcher's OPERATIONS_TOPIC (destination disabled, ...)."
}

variable "sql_instance" {
  type        = string
  default     = "event-hub"
  description = "Cloud SQL instance name (PROJECT_ID:REGION:event-hub in the manifests)."
}

variable "sql_database" {
  type        = string
  default     = "hub"
  description = "Database the services use."
}

variable "sql_tier" {
  type        = string
  default     = "db-custom-2-7680"
  description = "Cloud SQL machine type; max_connections must cover replicas x DATABASE_POOL_SIZE (deploy/README.md)."
}

variable "gke_namespace" {
  type        = string
  default     = "event-hub"
  description = "Kubernetes namespace of the gke overlay (Workload Identity bindings)."
}

variable "enable_gke" {
  type        = bool
  default     = true
  description = "Workload Identity bindings for the services and the cluster add-ons, node pull access (needs a GKE cluster with Workload Identity in the project first)."
}

variable "artifact_repository" {
  type        = string
  default     = "event-hub"
  description = "Artifact Registry Docker repository the images are pushed to (skaffold --default-repo)."
}

variable "gke_node_service_account" {
  type        = string
  default     = ""
  description = "Service account the GKE nodes run as (pull images); empty: the Compute Engine default service account."
}

variable "external_secrets_namespace" {
  type        = string
  default     = "external-secrets"
  description = "Namespace External Secrets Operator is installed in (its Workload Identity binding)."
}

variable "create_secret_values" {
  type        = bool
  default     = true
  description = "Generate SECRETS_KEY, ADMIN_API_KEY and the database password here (they then live in the Terraform state: keep it in a private bucket). false: add the versions with gcloud yourself."
}

variable "alert_notification_channels" {
  type        = list(string)
  default     = []
  description = "Cloud Monitoring notification channel ids (projects/…/notificationChannels/…) the alert policies notify; empty: incidents show in the console only."
}

variable "secrets_kms_key" {
  type        = string
  default     = ""
  description = "Cloud KMS key (projects/…/locations/global/keyRings/…/cryptoKeys/…) that encrypts the Secret Manager secrets, SECRETS_KEY among them (CMEK); empty: Google-managed encryption. Automatic replication needs a key in location global."
}
