# One Google service account per service, each with only what its code does.
locals {
  services = toset(["sync-worker", "webhook-dispatcher", "api-gateway"])
}

resource "google_service_account" "service" {
  for_each     = local.services
  account_id   = each.key
  display_name = "Connector Event Hub ${each.key}"
}

# sync-worker publishes every event and consumes its automations subscription.
resource "google_pubsub_topic_iam_member" "sync_worker_publisher" {
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.service["sync-worker"].member
}

resource "google_pubsub_subscription_iam_member" "sync_worker_automations" {
  subscription = google_pubsub_subscription.automations.id
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.service["sync-worker"].member
}

# webhook-dispatcher consumes the events and publishes operator events.
resource "google_pubsub_subscription_iam_member" "dispatcher_subscriber" {
  subscription = google_pubsub_subscription.dispatcher.id
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.service["webhook-dispatcher"].member
}

# Reading subscription metadata (roles/pubsub.subscriber cannot): a consumer checks that its
# subscription exists when its stream ends or goes quiet, and sync-worker publishes only while the
# subscriptions that must receive the events exist (shared/src/pubsub/README.md). Without it both
# treat PERMISSION_DENIED as "exists", and the publish guard cannot see a missing subscription.
resource "google_pubsub_subscription_iam_member" "sync_worker_reads_required" {
  for_each = {
    dispatcher  = google_pubsub_subscription.dispatcher.id
    automations = google_pubsub_subscription.automations.id
  }
  subscription = each.value
  role         = "roles/pubsub.viewer"
  member       = google_service_account.service["sync-worker"].member
}

resource "google_pubsub_subscription_iam_member" "dispatcher_reads_own" {
  subscription = google_pubsub_subscription.dispatcher.id
  role         = "roles/pubsub.viewer"
  member       = google_service_account.service["webhook-dispatcher"].member
}

resource "google_pubsub_topic_iam_member" "dispatcher_operations" {
  topic  = google_pubsub_topic.operations.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.service["webhook-dispatcher"].member
}

# api-gateway creates and deletes back-end subscriptions on the events topic (and their
# dead-letter topics): a custom role instead of roles/pubsub.editor.
resource "google_project_iam_custom_role" "subscription_admin" {
  role_id     = "eventHubSubscriptionAdmin"
  title       = "Connector Event Hub subscription admin"
  description = "Create, read, update and delete Pub/Sub subscriptions and dead-letter topics."
  permissions = [
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.delete",
    "pubsub.subscriptions.get",
    "pubsub.subscriptions.list",
    "pubsub.subscriptions.update",
    "pubsub.topics.attachSubscription",
    "pubsub.topics.create",
    "pubsub.topics.get",
  ]
}

resource "google_project_iam_member" "api_gateway_subscriptions" {
  project = var.project_id
  role    = google_project_iam_custom_role.subscription_admin.id
  member  = google_service_account.service["api-gateway"].member
}

# Every service reaches Cloud SQL and reads its secrets.
resource "google_project_iam_member" "sql_client" {
  for_each = local.services
  project  = var.project_id
  role     = "roles/cloudsql.client"
  member   = google_service_account.service[each.key].member
}

# GKE: the Kubernetes service account <namespace>/<service> acts as the Google one.
resource "google_service_account_iam_member" "workload_identity" {
  for_each           = var.enable_gke ? local.services : toset([])
  service_account_id = google_service_account.service[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.gke_namespace}/${each.key}]"
}
