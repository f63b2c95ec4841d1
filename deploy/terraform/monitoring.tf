# Alerts on Pub/Sub's own metrics, so they work without scraping the services: events that wait to
# be stored, events Pub/Sub gave up on, and automations that fall behind. The hub's Prometheus
# metrics (hub_dispatch_oldest_due_seconds, …) add delivery-side alerts: deploy/README.md.

resource "google_monitoring_alert_policy" "events_not_stored" {
  display_name          = "event hub: events wait to be stored by webhook-dispatcher"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "oldest unacked event on ${var.dispatcher_subscription} older than 5 minutes"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${var.dispatcher_subscription}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = 300
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "webhook-dispatcher is not storing events: no replica runs, or Postgres is away (its /ready says which). Nothing is lost while the subscription keeps them (7 days)."
  }
}

resource "google_monitoring_alert_policy" "events_dead_lettered" {
  display_name          = "event hub: events dead-lettered"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "messages on ${google_pubsub_subscription.dead_letter.name}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.dead_letter.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "webhook-dispatcher failed to store these events ${google_pubsub_subscription.dispatcher.dead_letter_policy[0].max_delivery_attempts} times. Read them with `gcloud pubsub subscriptions pull ${google_pubsub_subscription.dead_letter.name}`, fix the cause, then republish them to ${var.events_topic}."
  }
}

resource "google_monitoring_alert_policy" "automations_behind" {
  display_name          = "event hub: sync-worker automations fall behind"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "oldest unacked event on ${var.automations_subscription} older than 10 minutes"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${var.automations_subscription}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = 600
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "sync-worker's automations (auto-accept) are not keeping up: no replica runs, or AUTOMATIONS_ENABLED is false while the subscription exists."
  }
}
