resource "google_pubsub_topic" "events" {
  name = var.events_topic
}

resource "google_pubsub_topic" "dead_letter" {
  name = var.dead_letter_topic
}

resource "google_pubsub_topic" "operations" {
  name = var.operations_topic
}

# Messages wait here until the dispatcher has stored them; delivery retries happen in Postgres.
resource "google_pubsub_subscription" "dispatcher" {
  name                       = var.dispatcher_subscription
  topic                      = google_pubsub_topic.events.id
  ack_deadline_seconds       = 60
  enable_message_ordering    = true
  message_retention_duration = "604800s"

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "automations" {
  name                       = var.automations_subscription
  topic                      = google_pubsub_topic.events.id
  ack_deadline_seconds       = 60
  message_retention_duration = "86400s"

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  expiration_policy {
    ttl = ""
  }
}

# Keeps dead-lettered messages for inspection (read with gcloud pubsub subscriptions pull).
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "${var.dead_letter_topic}-inspect"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub itself moves undeliverable messages: it must publish to the dead-letter topic and
# acknowledge on the source subscription.
data "google_project" "this" {}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_source" {
  subscription = google_pubsub_subscription.dispatcher.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
