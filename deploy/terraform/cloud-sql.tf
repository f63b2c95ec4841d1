resource "google_sql_database_instance" "hub" {
  name                = var.sql_instance
  database_version    = "POSTGRES_17"
  region              = var.region
  deletion_protection = true

  settings {
    tier              = var.sql_tier
    availability_type = "REGIONAL"
    edition           = "ENTERPRISE"

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "02:00"
      transaction_log_retention_days = 7
      backup_retention_settings {
        retained_backups = 14
      }
    }

    # Public IP with no authorised networks: only the Cloud SQL Auth Proxy (GKE) and the Cloud Run
    # connector reach it (mTLS, IAM). Adding private_network means adding --private-ip to
    # k8s/overlays/gke/cloud-sql-proxy.patch.yaml (deploy/README.md; a test checks the pair).
    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"
    }

    database_flags {
      name  = "max_connections"
      value = "400"
    }

    insights_config {
      query_insights_enabled = true
    }
  }
}

resource "google_sql_database" "hub" {
  name     = var.sql_database
  instance = google_sql_database_instance.hub.name
}

resource "random_password" "database" {
  count   = var.create_secret_values ? 1 : 0
  length  = 40
  special = false
}

# One login for the three services: migrations (run by any of them) own the tables.
resource "google_sql_user" "hub" {
  count    = var.create_secret_values ? 1 : 0
  name     = "event-hub"
  instance = google_sql_database_instance.hub.name
  password = random_password.database[0].result
}
