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
    auto {
      # With secrets_kms_key set, Cloud KMS (a key you hold) encrypts them at rest (CMEK).
      dynamic "customer_managed_encryption" {
        for_each = var.secrets_kms_key == "" ? [] : [var.secrets_kms_key]
        content {
          kms_key_name = customer_managed_encryption.value
        }
      }
    }
  }
  depends_on = [google_kms_crypto_key_iam_member.secret_manager]
}

# Secret Manager's service agent encrypts and decrypts with the key (it must exist first:
# gcloud beta services identity create --service=secretmanager.googleapis.com).
resource "google_kms_crypto_key_iam_member" "secret_manager" {
  count         = var.secrets_kms_key == "" ? 0 : 1
  crypto_key_id = var.secrets_kms_key
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-secretmanager.iam.gserviceaccount.com"
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
