# Alerts on Pub/Sub's own metrics, so they work without scraping the services: events that wait to
# be stored, events Pub/Sub gave up on, and automations that fall behind. The hub's Prometheus
# metrics (hub_dispatch_oldest_due_seconds, …) add delivery-side alerts: deploy/README.md.

# Subscriptions whose oldest unacked message must not get older than `max_age_seconds`.
locals {
  backlog_alerts = {
    events_not_stored = {
      subscription    = var.dispatcher_subscription
      max_age_seconds = 300
      title           = "events wait to be stored by webhook-dispatcher"
      runbook         = "webhook-dispatcher is not storing events: no replica runs, or Postgres is away (its /ready says which). Nothing is lost while the subscription keeps them (7 days)."
    }
    automations_behind = {
      subscription    = var.automations_subscription
      max_age_seconds = 600
      title           = "sync-worker automations fall behind"
      runbook         = "sync-worker's automations (auto-accept) are not keeping up: no replica runs, or AUTOMATIONS_ENABLED is false while the subscription exists."
    }
  }
}

resource "google_monitoring_alert_policy" "backlog_age" {
  for_each              = local.backlog_alerts
  display_name          = "event hub: ${each.value.title}"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "oldest unacked message on ${each.value.subscription} older than ${each.value.max_age_seconds} s"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${each.value.subscription}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.max_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = each.value.runbook
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
