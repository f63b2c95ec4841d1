# Secret Manager holds every secret value; manifests only name these secrets.
locals {
  secret_readers = {
    "event-hub-database-url"          = ["sync-worker", "webhook-dispatcher", "api-gateway"]
    "event-hub-database-url-cloudrun" = ["sync-worker", "webhook-dispatcher", "api-gateway"]
    "event-hub-secrets-key"           = ["sync-worker", "webhook-dispatcher", "api-gateway"]
    "event-hub-admin-api-key"         = ["api-gateway"]
  }
  secret_access = merge([
    for secret, readers in local.secret_readers : {
      for reader in readers : "${secret}/${reader}" => { secret = secret, reader = reader }
    }
  ]...)
  connection_name = google_sql_database_instance.hub.connection_name
}

resource "google_secret_manager_secret" "hub" {
  for_each  = local.secret_readers
  secret_id = each.key
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "reader" {
  for_each  = local.secret_access
  secret_id = google_secret_manager_secret.hub[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.service[each.value.reader].member
}

resource "random_bytes" "secrets_key" {
  count  = var.create_secret_values ? 1 : 0
  length = 32
}

resource "random_password" "admin_api_key" {
  count   = var.create_secret_values ? 1 : 0
  length  = 48
  special = false
}

locals {
  generated = var.create_secret_values ? {
    # GKE: through the Cloud SQL Auth Proxy sidecar on 127.0.0.1.
    "event-hub-database-url" = "postgres://event-hub:${random_password.database[0].result}@127.0.0.1:5432/${var.sql_database}"
    # Cloud Run: through the built-in connector's unix socket.
    "event-hub-database-url-cloudrun" = "postgres://event-hub:${random_password.database[0].result}@localhost/${var.sql_database}?host=/cloudsql/${local.connection_name}"
    "event-hub-secrets-key"           = random_bytes.secrets_key[0].base64
    "event-hub-admin-api-key"         = random_password.admin_api_key[0].result
  } : {}
}

resource "google_secret_manager_secret_version" "generated" {
  for_each    = var.create_secret_values ? local.secret_readers : {}
  secret      = google_secret_manager_secret.hub[each.key].id
  secret_data = local.generated[each.key]
}
